/*
 * dispatcher_events.c - build `accepted` / `failed` delivery events (herald/json_writer.h).
 *
 * Why the phone is included: analytics and exports show per-recipient outcomes without a
 * join, and the failed event of a never-accepted message has no wamid to resolve.
 */
#include "dispatcher_events.h"

#include <herald/json_writer.h>
#include <stdio.h>

/* The fields both events start with. */
static void begin(struct json_writer *w, int64_t campaign_id, int64_t recipient_id,
                  const char *type, const char *phone)
{
    char id[96];
    snprintf(id, sizeof(id), "d-%lld-%lld-%s", (long long)campaign_id, (long long)recipient_id,
             type);
    json_writer_begin(w, 256);
    json_writer_key(w, "event_id");
    json_writer_literal(w, id);
    json_writer_key(w, "type");
    json_writer_literal(w, type);
    json_writer_key(w, "campaign_id");
    json_writer_int(w, campaign_id);
    json_writer_key(w, "recipient_id");
    json_writer_int(w, recipient_id);
    json_writer_key(w, "phone");
    json_writer_cstring(w, phone); /* null when unknown */
}

static void end_fields(struct json_writer *w, int64_t ts_ms, int attempts)
{
    json_writer_key(w, "ts_ms");
    json_writer_int(w, ts_ms);
    json_writer_key(w, "attempts");
    json_writer_int(w, attempts);
}

char *disp_event_accepted(int64_t campaign_id, int64_t recipient_id, const char *phone,
                          const char *wamid, int64_t ts_ms, int attempts)
{
    struct json_writer w;
    begin(&w, campaign_id, recipient_id, "accepted", phone);
    json_writer_key(&w, "wamid");
    json_writer_cstring(&w, wamid);
    end_fields(&w, ts_ms, attempts);
    return json_writer_finish(&w);
}

char *disp_event_failed(int64_t campaign_id, int64_t recipient_id, const char *phone, int code,
                        const char *title, int64_t ts_ms, int attempts)
{
    struct json_writer w;
    begin(&w, campaign_id, recipient_id, "failed", phone);
    json_writer_key(&w, "wamid");
    json_writer_null(&w);
    end_fields(&w, ts_ms, attempts);
    json_writer_key(&w, "error");
    json_writer_open(&w);
    json_writer_key(&w, "code");
    json_writer_int(&w, code);
    json_writer_key(&w, "title");
    json_writer_cstring(&w, title ? title : "");
    json_writer_close(&w);
    return json_writer_finish(&w);
}
