/*
 * Webhook body construction with jansson (see mock_webhook_payload.h).
 */
#include "mock_webhook_payload.h"

#include "mock_error.h"
#include "mock_rate_limiter.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static json_t *seconds(int64_t s)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)s);
    return json_string(buf);
}

static json_t *conversation(const mock_status_info_t *st)
{
    const char *parts[] = {st->recipient_id, "conversation"};
    char id[40];
    snprintf(id, sizeof id, "%016llx%016llx", (unsigned long long)mock_hash_parts(parts, 2),
             (unsigned long long)(st->accepted_s / 86400));
    return json_pack("{s:s, s:o, s:{s:s}}", "id", id, "expiration_timestamp",
                     seconds(st->accepted_s + 86400), "origin", "type", "marketing");
}

static json_t *status_json(const mock_status_info_t *st)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:s}", "id", st->wamid, "status",
                          mock_event_status_name(st->kind), "timestamp", seconds(st->timestamp_s),
                          "recipient_id", st->recipient_id);
    if (st->callback_data)
        json_object_set_new(o, "biz_opaque_callback_data", json_string(st->callback_data));
    if (st->kind == MOCK_EV_SENT || st->kind == MOCK_EV_DELIVERED) {
        json_object_set_new(o, "conversation", conversation(st));
        json_object_set_new(o, "pricing",
                            json_pack("{s:b, s:s, s:s, s:s}", "billable", 1, "pricing_model", "PMP",
                                      "category", "marketing", "type", "regular"));
    }
    if (st->kind == MOCK_EV_FAILED) {
        const char *title = mock_error_title(st->error_code);
        json_object_set_new(o, "errors",
                            json_pack("[{s:i, s:s, s:s, s:{s:s}}]", "code", st->error_code, "title",
                                      title, "message", title, "error_data", "details", title));
    }
    return o;
}

/* Wraps a change value into the envelope and serialises it. Steals value. */
static char *envelope(const mock_webhook_origin_t *origin, json_t *value)
{
    json_object_set_new(value, "messaging_product", json_string("whatsapp"));
    json_object_set_new(value, "metadata",
                        json_pack("{s:s, s:s}", "display_phone_number",
                                  origin->display_phone_number, "phone_number_id",
                                  origin->phone_number_id));
    json_t *root =
        json_pack("{s:s, s:[{s:s, s:[{s:o, s:s}]}]}", "object", "whatsapp_business_account",
                  "entry", "id", origin->waba_id, "changes", "value", value, "field", "messages");
    if (!root)
        return NULL;
    char *body = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return body;
}

char *mock_webhook_statuses_body(const mock_webhook_origin_t *origin,
                                 const mock_status_info_t *statuses, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, status_json(&statuses[i]));
    json_t *value = json_object();
    json_object_set_new(value, "statuses", arr);
    return envelope(origin, value);
}

static json_t *reply_message(const mock_reply_info_t *r, const char *business_number)
{
    json_t *m = json_pack("{s:s, s:s, s:o}", "from", r->from, "id", r->reply_wamid, "timestamp",
                          seconds(r->timestamp_s));
    if (r->style == MOCK_REPLY_QUOTED_BUTTON) {
        json_object_set_new(m, "type", json_string("button"));
        json_object_set_new(m, "button",
                            json_pack("{s:s, s:s}", "payload", r->text, "text", r->text));
    } else {
        json_object_set_new(m, "type", json_string("text"));
        json_object_set_new(m, "text", json_pack("{s:s}", "body", r->text));
    }
    if (r->style != MOCK_REPLY_PLAIN_TEXT)
        json_object_set_new(
            m, "context", json_pack("{s:s, s:s}", "from", business_number, "id", r->context_wamid));
    return m;
}

char *mock_webhook_reply_body(const mock_webhook_origin_t *origin, const mock_reply_info_t *r)
{
    char name[32];
    size_t len = strlen(r->from);
    snprintf(name, sizeof name, "Customer %s", len > 4 ? r->from + len - 4 : r->from);
    json_t *value =
        json_pack("{s:[{s:{s:s}, s:s}], s:[o]}", "contacts", "profile", "name", name, "wa_id",
                  r->from, "messages", reply_message(r, origin->display_phone_number));
    return envelope(origin, value);
}
