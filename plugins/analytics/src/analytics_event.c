/*
 * analytics_event.c - parse and validate a delivery event (see the header).
 */
#include "analytics_event.h"

#include "analytics_json.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *reason)
{
    snprintf(err, errlen, "delivery event: %s", reason);
    return -1;
}

static int parse_error(const json_t *root, struct analytics_event *ev, char *err, size_t errlen)
{
    const json_t *e = json_object_get(root, "error");
    if (!e || json_is_null(e))
        return 0;
    if (!json_is_object(e))
        return fail(err, errlen, "error is not an object");
    if (analytics_json_int32(e, "code", &ev->error_code) < 0)
        return fail(err, errlen, "error.code is not a 32-bit integer");
    if (analytics_json_text(e, "title", ev->error_title, sizeof ev->error_title) < 0)
        return fail(err, errlen, "error.title is not a string");
    return 0;
}

static int parse_fields(const json_t *root, int64_t fallback_ts_ms, struct analytics_event *ev,
                        char *err, size_t errlen)
{
    const json_t *type = json_object_get(root, "type");
    if (!json_is_string(type) || analytics_event_type_parse(json_string_value(type), &ev->type))
        return fail(err, errlen, "type must be accepted, sent, delivered, read or failed");

    int c = analytics_json_id(root, "campaign_id", &ev->campaign_id);
    int r = analytics_json_id(root, "recipient_id", &ev->recipient_id);
    if (c < 0 || r < 0)
        return fail(err, errlen, "campaign_id/recipient_id must be positive integers");
    int w = analytics_json_ident(root, "wamid", ev->wamid, sizeof ev->wamid);
    if (w < 0)
        return fail(err, errlen, "wamid must be a non-empty string under 256 bytes");
    if (c == ANALYTICS_FIELD_ABSENT)
        ev->recipient_id = 0; /* a recipient id means nothing without its campaign */
    if ((ev->campaign_id == 0 || ev->recipient_id == 0) && w != ANALYTICS_FIELD_OK)
        return fail(err, errlen, "needs campaign_id and recipient_id, or a wamid");

    if (analytics_json_ident(root, "phone", ev->phone, sizeof ev->phone) < 0)
        return fail(err, errlen, "phone must be a non-empty string under 32 bytes");

    int t = analytics_json_ms(root, "ts_ms", &ev->ts_ms);
    if (t < 0)
        return fail(err, errlen, "ts_ms must be Unix milliseconds between 2000 and 2999");
    if (t == ANALYTICS_FIELD_ABSENT) {
        if (fallback_ts_ms < ANALYTICS_MIN_TS_MS || fallback_ts_ms > ANALYTICS_MAX_TS_MS)
            return fail(err, errlen, "ts_ms missing and no usable Kafka timestamp");
        ev->ts_ms = fallback_ts_ms;
    }
    return parse_error(root, ev, err, errlen);
}

int analytics_event_parse(const char *json, size_t len, int64_t fallback_ts_ms,
                          struct analytics_event *ev, char *err, size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "delivery event: invalid JSON at %d: %s", jerr.position, jerr.text);
        return -1;
    }
    int rc = json_is_object(root) ? parse_fields(root, fallback_ts_ms, ev, err, errlen)
                                  : fail(err, errlen, "not a JSON object");
    json_decref(root);
    return rc;
}

void analytics_event_state(const struct analytics_event *ev, struct analytics_state *out)
{
    analytics_state_from_event(ev->type, ev->ts_ms, ev->wamid[0] != '\0', ev->error_code,
                               ev->type == ANALYTICS_EV_FAILED ? ev->error_title : NULL, out);
}
