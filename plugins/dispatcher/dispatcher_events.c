/*
 * dispatcher_events.c - build `accepted` / `failed` delivery events with jansson.
 *
 * Why the phone is included: analytics and exports show per-recipient outcomes without a
 * join, and the failed event of a never-accepted message has no wamid to resolve.
 */
#include "dispatcher_events.h"

#include <jansson.h>
#include <stdio.h>

static char *dump(json_t *root)
{
    if (!root)
        return NULL;
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

char *disp_event_accepted(int64_t campaign_id, int64_t recipient_id, const char *phone,
                          const char *wamid, int64_t ts_ms, int attempts)
{
    char id[96];
    snprintf(id, sizeof(id), "d-%lld-%lld-accepted", (long long)campaign_id,
             (long long)recipient_id);
    return dump(json_pack("{s:s, s:s, s:I, s:I, s:s?, s:s, s:I, s:i}", "event_id", id, "type",
                          "accepted", "campaign_id", (json_int_t)campaign_id, "recipient_id",
                          (json_int_t)recipient_id, "phone", phone, "wamid", wamid, "ts_ms",
                          (json_int_t)ts_ms, "attempts", attempts));
}

char *disp_event_failed(int64_t campaign_id, int64_t recipient_id, const char *phone, int code,
                        const char *title, int64_t ts_ms, int attempts)
{
    char id[96];
    snprintf(id, sizeof(id), "d-%lld-%lld-failed", (long long)campaign_id, (long long)recipient_id);
    return dump(json_pack("{s:s, s:s, s:I, s:I, s:s?, s:n, s:I, s:i, s:{s:i, s:s}}", "event_id", id,
                          "type", "failed", "campaign_id", (json_int_t)campaign_id, "recipient_id",
                          (json_int_t)recipient_id, "phone", phone, "wamid", "ts_ms",
                          (json_int_t)ts_ms, "attempts", attempts, "error", "code", code, "title",
                          title ? title : ""));
}
