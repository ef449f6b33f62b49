/*
 * inflight.c - consumed message lifecycle (see header).
 *
 *   consumed -> [plugin works] -> done(OK)    -> wait children acks -> finalise (offset storable)
 *                              -> done(RETRY) -> retry scheduler -> handed back, attempt+1
 *                              -> done(ERROR) -> log, count, dead-letter (a child) -> finalise
 *   a child produce failed -> when otherwise finished, the message is retried, not finalised
 *   partition revoked meanwhile (generation changed) -> finalised without touching offsets
 */
#include "inflight.h"

#include <stdlib.h>
#include <string.h>

#include "kafka_producer.h"
#include "log.h"
#include "herald/retry_backoff.h"

static void link_msg(struct stage *s, struct host_msg *m)
{
    m->next = s->all_msgs;
    if (s->all_msgs)
        s->all_msgs->prev = m;
    s->all_msgs = m;
}

static void unlink_msg(struct stage *s, struct host_msg *m)
{
    if (m->prev)
        m->prev->next = m->next;
    else
        s->all_msgs = m->next;
    if (m->next)
        m->next->prev = m->prev;
}

/* librdkafka before 2.4 can rewind a partition's fetch position inside one assignment (a
 * resume or an offset validation that restarts from a stale start offset, librdkafka #4686):
 * offsets already handed out arrive again. Processing them would duplicate output, and their
 * completion would mark the first copy's tracker entry done while it is still in flight. */
static void skip_refetched(struct stage *s, struct partition_state *ps, int64_t offset)
{
    metric_add(s->m.refetched, 1);
    if (offset != ps->last_refetched + 1)
        LOG_WARN("%s[%d]: the Kafka client delivered offset %lld again in this assignment; "
                 "skipping offsets already handed out (herald_messages_refetched_total)",
                 ps->topic, ps->partition, (long long)offset);
    ps->last_refetched = offset;
}

static void out_of_memory(struct stage *s, struct partition_state *ps, int64_t offset)
{
    LOG_ERROR("%s[%d]: out of memory taking offset %lld; stopping so that no later offset is "
              "committed past it",
              ps->topic, ps->partition, (long long)offset);
    atomic_store(&s->fatal, 1);
    atomic_store(&s->stopping, 1);
}

struct host_msg *inflight_new(struct stage *s, struct host_plugin *hp, struct partition_state *ps,
                              const rd_kafka_message_t *rkm)
{
    int tracked = offset_tracker_add(&ps->tracker, rkm->offset);
    if (tracked == OFFSET_TRACKER_SEEN) {
        skip_refetched(s, ps, rkm->offset);
        return NULL;
    }
    size_t klen = rkm->key ? rkm->key_len : 0;
    struct host_msg *m = tracked ? NULL : calloc(1, sizeof *m + klen + rkm->len + 1);
    if (!m) { /* a tracked offset never completed also keeps the commit below it */
        out_of_memory(s, ps, rkm->offset);
        return NULL;
    }
    char *key = (char *)(m + 1);
    char *payload = key + klen;
    if (klen)
        memcpy(key, rkm->key, klen);
    if (rkm->len)
        memcpy(payload, rkm->payload, rkm->len);
    payload[rkm->len] = '\0';
    m->pub.topic = ps->logical;
    m->pub.partition = rkm->partition;
    m->pub.offset = rkm->offset;
    m->pub.timestamp_ms = rd_kafka_message_timestamp(rkm, NULL);
    m->pub.key = rkm->key ? key : NULL;
    m->pub.key_len = klen;
    m->pub.payload = payload;
    m->pub.len = rkm->len;
    m->pub.attempt = 1;
    m->owner = hp;
    m->ps = ps;
    m->gen = ps->gen;
    atomic_init(&m->pending_children, 0);
    link_msg(s, m);
    s->in_flight++;
    metric_add(s->m.in, 1);
    return m;
}

static void release(struct stage *s, struct host_msg *m)
{
    unlink_msg(s, m);
    s->in_flight--;
    free(m);
}

static void finalise(struct host_msg *m)
{
    struct stage *s = m->owner->stage;
    if (m->ps->gen == m->gen) {
        offset_tracker_complete(&m->ps->tracker, m->pub.offset);
        m->ps->dirty = 1;
    }
    release(s, m);
}

static void schedule_retry(struct host_msg *m)
{
    struct stage *s = m->owner->stage;
    const struct stage_config *c = s->cfg;
    int64_t delay =
        retry_backoff_ms(m->pub.attempt, c->retry_initial_ms, c->retry_max_ms, (uint32_t)random());
    m->done = 0;
    m->child_failed = 0;
    m->waiting_retry = 1;
    s->waiting_retry++;
    metric_add(s->m.retries, 1);
    if (retry_scheduler_add(&s->retries, host_api_table.now_ms() + delay, m)) {
        LOG_ERROR("out of memory scheduling a retry; the message stays uncommitted");
        m->waiting_retry = 0;
        s->waiting_retry--;
    }
}

/* Called whenever one of the two conditions (done, children acked) may have become true. */
static void maybe_finish(struct host_msg *m)
{
    if (!m->done || atomic_load(&m->pending_children) > 0)
        return;
    if (m->child_failed)
        schedule_retry(m);
    else
        finalise(m);
}

static void dead_letter(struct host_msg *m, const char *reason)
{
    struct stage *s = m->owner->stage;
    const char *dlq = s->cfg->dead_letter_topic;
    if (!dlq[0])
        return;
    char part[16], off[24];
    snprintf(part, sizeof part, "%d", (int)m->pub.partition);
    snprintf(off, sizeof off, "%lld", (long long)m->pub.offset);
    rd_kafka_headers_t *h = rd_kafka_headers_new(5);
    rd_kafka_header_add(h, "herald.reason", -1, reason, -1);
    rd_kafka_header_add(h, "herald.topic", -1, m->pub.topic, -1);
    rd_kafka_header_add(h, "herald.partition", -1, part, -1);
    rd_kafka_header_add(h, "herald.offset", -1, off, -1);
    rd_kafka_header_add(h, "herald.stage", -1, s->cfg->name, -1);
    if (kafka_producer_send(s, m->owner, dlq, m->pub.key, m->pub.key_len, m->pub.payload,
                            m->pub.len, m, NULL, NULL, h) == 0)
        metric_add(s->m.dead_letters, 1);
    else
        m->child_failed = 1; /* could not even queue: keep the message, retry later */
}

void inflight_done(struct host_msg *m, herald_status status, const char *reason)
{
    const char *who = m->owner->p->name;
    struct stage *s = m->owner->stage;
    if (m->done || m->waiting_retry) {
        log_msg(HERALD_LOG_ERROR, who, "plugin bug: done() called twice for %s[%d]@%lld; ignored",
                m->pub.topic, m->pub.partition, (long long)m->pub.offset);
        return;
    }
    switch (status) {
    case HERALD_OK:
        break;
    case HERALD_RETRY:
        log_msg(HERALD_LOG_DEBUG, who, "retry %s[%d]@%lld attempt %d: %s", m->pub.topic,
                m->pub.partition, (long long)m->pub.offset, m->pub.attempt, reason ? reason : "");
        m->done = 1;
        m->child_failed = 1; /* same path as a failed child: retry once children settle */
        break;
    case HERALD_ERROR:
    default:
        log_msg(HERALD_LOG_ERROR, who, "message %s[%d]@%lld failed permanently: %s", m->pub.topic,
                m->pub.partition, (long long)m->pub.offset, reason ? reason : "(no reason given)");
        metric_add(s->m.errors, 1);
        dead_letter(m, reason ? reason : "unspecified");
        break;
    }
    m->done = 1;
    maybe_finish(m);
}

void inflight_child_result(struct host_msg *m, int ok)
{
    if (!ok)
        m->child_failed = 1;
    atomic_fetch_sub(&m->pending_children, 1);
    maybe_finish(m);
}

static void append_batch(struct host_plugin *hp, struct host_msg *m)
{
    hp->batch[hp->n_batch++] = m;
}

void inflight_collect_retries(struct stage *s, int64_t now_ms)
{
    struct host_msg *m;
    while ((m = retry_scheduler_pop_due(&s->retries, now_ms))) {
        if (m->owner->n_batch >= (size_t)s->cfg->batch_size) {
            retry_scheduler_add(&s->retries, now_ms, m); /* batch full: next loop turn */
            break;
        }
        m->waiting_retry = 0;
        s->waiting_retry--;
        if (m->ps->gen != m->gen) { /* partition moved away: its new owner redoes it */
            release(s, m);
            continue;
        }
        m->pub.attempt++;
        append_batch(m->owner, m);
    }
}

void inflight_free_all(struct stage *s)
{
    while (s->all_msgs)
        release(s, s->all_msgs);
    retry_scheduler_free(&s->retries);
    s->waiting_retry = 0;
}
