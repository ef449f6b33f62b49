/*
 * analytics_batch.c - classify consumed messages and encode staging rows (see the header).
 */
#include "analytics_batch.h"

#include "analytics_event.h"
#include "analytics_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char ANALYTICS_STAGE_COLUMNS[] =
    "campaign_id, recipient_id, wamid, phone, accepted_ms, sent_ms, delivered_ms, read_ms, "
    "failed_ms, error_code, error_title, replied_ms";
const char ANALYTICS_STAGE_REPLY_COLUMNS[] =
    "wamid, from_phone, ts_ms, type, body, context_id, profile_name, opt";

void analytics_batch_init(struct analytics_batch *b)
{
    memset(b, 0, sizeof *b);
    analytics_merge_init(&b->merged);
    analytics_copybuf_init(&b->events);
    analytics_copybuf_init(&b->replies);
}

static void free_commands(struct analytics_batch *b)
{
    for (size_t i = 0; i < b->ncommands; i++)
        free(b->commands[i].payload);
    b->ncommands = 0;
}

void analytics_batch_reset(struct analytics_batch *b)
{
    analytics_merge_reset(&b->merged);
    analytics_copybuf_reset(&b->events);
    analytics_copybuf_reset(&b->replies);
    free_commands(b);
    b->failed = 0;
}

void analytics_batch_free(struct analytics_batch *b)
{
    free_commands(b);
    free(b->commands);
    analytics_merge_free(&b->merged);
    analytics_copybuf_free(&b->events);
    analytics_copybuf_free(&b->replies);
    memset(b, 0, sizeof *b);
}

int analytics_batch_empty(const struct analytics_batch *b)
{
    return b->merged.n == 0 && b->events.rows == 0 && b->replies.rows == 0 && b->ncommands == 0;
}

static const char *or_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

static void put_ms(struct analytics_copybuf *c, int64_t ms)
{
    analytics_copybuf_int(c, ms, ms != 0);
}

static void encode_row(struct analytics_copybuf *c, int64_t campaign_id, int64_t recipient_id,
                       const char *wamid, const char *phone, const struct analytics_state *st)
{
    analytics_copybuf_int(c, campaign_id, campaign_id != 0);
    analytics_copybuf_int(c, recipient_id, recipient_id != 0);
    analytics_copybuf_text(c, or_null(wamid));
    analytics_copybuf_text(c, or_null(phone));
    put_ms(c, st->accepted_ms);
    put_ms(c, st->sent_ms);
    put_ms(c, st->delivered_ms);
    put_ms(c, st->read_ms);
    put_ms(c, st->failed_ms);
    analytics_copybuf_int(c, st->error_code, st->failed_ms != 0 && st->error_code != 0);
    analytics_copybuf_text(c, or_null(st->failed_ms ? st->error_title : NULL));
    analytics_copybuf_null(c); /* replied_ms: only reply attribution sets it */
    analytics_copybuf_end_row(c);
}

/* Keyed events are merged per recipient; wamid-only ones go straight to a row (SQL resolves
 * and, if need be, parks them one by one). */
static void add_event(struct analytics_batch *b, const struct analytics_event *ev)
{
    if (ev->campaign_id != 0 && ev->recipient_id != 0) {
        if (analytics_merge_add(&b->merged, ev) != 0)
            b->failed = 1;
        return;
    }
    struct analytics_state st;
    analytics_event_state(ev, &st);
    encode_row(&b->events, ev->campaign_id, ev->recipient_id, ev->wamid, ev->phone, &st);
}

void analytics_batch_seal(struct analytics_batch *b)
{
    for (size_t i = 0; i < b->merged.n; i++) {
        const struct analytics_merge_entry *e = &b->merged.entries[i];
        encode_row(&b->events, e->campaign_id, e->recipient_id, e->wamid, e->phone, &e->state);
    }
    analytics_merge_reset(&b->merged);
}

static void encode_reply(struct analytics_copybuf *c, const struct analytics_reply *r,
                         const struct analytics_opt_keywords *keywords)
{
    analytics_copybuf_text(c, r->wamid);
    analytics_copybuf_text(c, r->from);
    analytics_copybuf_int(c, r->ts_ms, 1);
    analytics_copybuf_text(c, or_null(r->type));
    analytics_copybuf_text(c, or_null(r->text));
    analytics_copybuf_text(c, or_null(r->context_id));
    analytics_copybuf_text(c, or_null(r->profile_name));
    analytics_copybuf_text(c, analytics_opt_name(analytics_opt_classify(keywords, r->text)));
    analytics_copybuf_end_row(c);
}

static analytics_verdict add_command(struct analytics_batch *b, const char *payload, size_t len,
                                     int32_t partition, int64_t offset, char *err, size_t errlen)
{
    struct analytics_command cmd;
    analytics_command_kind kind = analytics_command_parse(payload, len, &cmd, err, errlen);
    if (kind == ANALYTICS_CMD_IGNORE)
        return ANALYTICS_V_IGNORE;
    if (kind == ANALYTICS_CMD_MALFORMED)
        return ANALYTICS_V_ERROR;
    if (b->ncommands == b->cap_commands) {
        size_t cap = b->cap_commands ? 2 * b->cap_commands : 8;
        void *p = realloc(b->commands, cap * sizeof *b->commands);
        if (!p) {
            b->failed = 1;
            return ANALYTICS_V_RECALC;
        }
        b->commands = p;
        b->cap_commands = cap;
    }
    struct analytics_batch_command *bc = &b->commands[b->ncommands];
    bc->payload = strndup(payload, len);
    if (!bc->payload) {
        b->failed = 1;
        return ANALYTICS_V_RECALC;
    }
    bc->cmd = cmd;
    bc->partition = partition;
    bc->offset = offset;
    b->ncommands++;
    return ANALYTICS_V_RECALC;
}

analytics_verdict analytics_batch_add(struct analytics_batch *b, const char *topic,
                                      const char *payload, size_t len, int64_t kafka_ts_ms,
                                      int32_t partition, int64_t offset, char *err, size_t errlen)
{
    if (!topic) {
        snprintf(err, errlen, "message without a topic");
        return ANALYTICS_V_ERROR;
    }
    if (strcmp(topic, ANALYTICS_TOPIC_EVENTS) == 0) {
        struct analytics_event ev;
        if (analytics_event_parse(payload, len, kafka_ts_ms, &ev, err, errlen) != 0)
            return ANALYTICS_V_ERROR;
        add_event(b, &ev);
        return ANALYTICS_V_FOLD;
    }
    if (strcmp(topic, ANALYTICS_TOPIC_REPLIES) == 0) {
        struct analytics_reply *r = malloc(sizeof *r); /* ~5 KiB: keep it off the stack */
        if (!r) {
            b->failed = 1;
            return ANALYTICS_V_FOLD;
        }
        int rc = analytics_reply_parse(payload, len, kafka_ts_ms, r, err, errlen);
        if (rc == 0)
            encode_reply(&b->replies, r, b->keywords);
        free(r);
        return rc == 0 ? ANALYTICS_V_FOLD : ANALYTICS_V_ERROR;
    }
    if (strcmp(topic, ANALYTICS_TOPIC_COMMANDS) == 0)
        return add_command(b, payload, len, partition, offset, err, errlen);
    snprintf(err, errlen, "topic %s is not consumed by analytics", topic);
    return ANALYTICS_V_ERROR;
}
