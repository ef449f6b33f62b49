/*
 * analytics_reply.c - parse and validate an inbound reply (see the header).
 */
#include "analytics_reply.h"

#include "analytics_json.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *reason)
{
    snprintf(err, errlen, "reply: %s", reason);
    return -1;
}

static int parse_fields(const json_t *root, int64_t fallback_ts_ms, struct analytics_reply *r,
                        char *err, size_t errlen)
{
    if (analytics_json_ident(root, "wamid", r->wamid, sizeof r->wamid) != ANALYTICS_FIELD_OK)
        return fail(err, errlen, "wamid must be a non-empty string under 256 bytes");
    if (analytics_json_ident(root, "from", r->from, sizeof r->from) != ANALYTICS_FIELD_OK)
        return fail(err, errlen, "from must be a non-empty string under 32 bytes");
    if (analytics_json_ident(root, "context_id", r->context_id, sizeof r->context_id) < 0)
        return fail(err, errlen, "context_id must be null or a string under 256 bytes");
    if (analytics_json_text(root, "type", r->type, sizeof r->type) < 0 ||
        analytics_json_text(root, "text", r->text, sizeof r->text) < 0 ||
        analytics_json_text(root, "profile_name", r->profile_name, sizeof r->profile_name) < 0)
        return fail(err, errlen, "type, text and profile_name must be strings when given");
    int t = analytics_json_ms(root, "ts_ms", &r->ts_ms);
    if (t < 0)
        return fail(err, errlen, "ts_ms must be Unix milliseconds between 2000 and 2999");
    if (t == ANALYTICS_FIELD_ABSENT) {
        if (fallback_ts_ms < ANALYTICS_MIN_TS_MS || fallback_ts_ms > ANALYTICS_MAX_TS_MS)
            return fail(err, errlen, "ts_ms missing and no usable Kafka timestamp");
        r->ts_ms = fallback_ts_ms;
    }
    return 0;
}

int analytics_reply_parse(const char *json, size_t len, int64_t fallback_ts_ms,
                          struct analytics_reply *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "reply: invalid JSON at %d: %s", jerr.position, jerr.text);
        return -1;
    }
    int rc = json_is_object(root) ? parse_fields(root, fallback_ts_ms, r, err, errlen)
                                  : fail(err, errlen, "not a JSON object");
    json_decref(root);
    return rc;
}
