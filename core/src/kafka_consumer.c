/*
 * kafka_consumer.c - high-level consumer with host-managed offsets (see header).
 *
 * Modelled on librdkafka's examples/consumer.c and kcat: a rebalance_cb that handles both
 * the eager (assign/unassign everything) and the cooperative (incremental) protocols. On a
 * revoke we first store and synchronously commit what is complete, so the next owner does
 * not redo finished work; messages still in flight for a revoked partition are dropped from
 * offset accounting by bumping the partition's generation.
 */
#include "kafka_consumer.h"

#include <stdlib.h>
#include <string.h>

#include "inflight.h"
#include "kafka_producer.h"
#include "log.h"
#include "stage_loop.h"

#define REVOKE_SETTLE_MS 3000

struct topic_total {
    char *logical;
    int total;
    struct topic_total *next;
};
static struct topic_total *totals; /* [main] cache for partition_share, reset on rebalance */

static struct host_plugin *owner_of(struct stage *s, const char *logical)
{
    for (size_t i = 0; i < s->n_plugins; i++)
        for (size_t t = 0; t < s->plugins[i].cfg->n_consume; t++)
            if (strcmp(s->plugins[i].cfg->consume[t], logical) == 0)
                return &s->plugins[i];
    return NULL;
}

static struct partition_state *find_partition(struct stage *s, const char *topic, int32_t p,
                                              int create)
{
    for (struct partition_state *ps = s->partitions; ps; ps = ps->next)
        if (ps->partition == p && strcmp(ps->topic, topic) == 0)
            return ps;
    if (!create)
        return NULL;
    size_t plen = strlen(s->cfg->topic_prefix);
    if (strncmp(topic, s->cfg->topic_prefix, plen) != 0)
        return NULL;
    struct host_plugin *hp = owner_of(s, topic + plen);
    if (!hp)
        return NULL;
    struct partition_state *ps = calloc(1, sizeof *ps);
    ps->topic = strdup(topic);
    ps->logical = ps->topic + plen;
    ps->partition = p;
    ps->owner = hp;
    offset_tracker_init(&ps->tracker);
    ps->last_refetched = -2;
    ps->next = s->partitions;
    s->partitions = ps;
    return ps;
}

static void clear_totals(void)
{
    while (totals) {
        struct topic_total *t = totals;
        totals = t->next;
        free(t->logical);
        free(t);
    }
}

/* Tells each plugin about its partitions in `parts` (assigned or revoked). */
static void notify_plugins(struct stage *s, rd_kafka_topic_partition_list_t *parts, int assigned)
{
    for (size_t i = 0; i < s->n_plugins; i++) {
        struct host_plugin *hp = &s->plugins[i];
        if (!hp->p->cb_assign || !hp->initialised)
            continue;
        struct herald_partition *list = calloc((size_t)parts->cnt + 1, sizeof *list);
        size_t n = 0;
        for (int k = 0; k < parts->cnt; k++) {
            struct partition_state *ps =
                find_partition(s, parts->elems[k].topic, parts->elems[k].partition, 0);
            if (ps && ps->owner == hp)
                list[n++] = (struct herald_partition){ps->logical, ps->partition};
        }
        if (n)
            hp->p->cb_assign(hp->ctx, list, n, assigned);
        free(list);
    }
}

static void on_assign(struct stage *s, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts)
{
    for (int k = 0; k < parts->cnt; k++) {
        struct partition_state *ps =
            find_partition(s, parts->elems[k].topic, parts->elems[k].partition, 1);
        if (!ps)
            continue;
        ps->assigned = 1;
        ps->gen++;
        ps->dirty = 0;
        offset_tracker_reset(&ps->tracker);
    }
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0)
        error = rd_kafka_incremental_assign(rk, parts);
    else
        err = rd_kafka_assign(rk, parts);
    if (error) {
        LOG_ERROR("kafka consumer: incremental assign failed: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    } else if (err) {
        LOG_ERROR("kafka consumer: assign failed: %s", rd_kafka_err2str(err));
    }
    if (s->input_paused)
        rd_kafka_pause_partitions(rk, parts);
    LOG_INFO("kafka consumer: %d partition(s) assigned", parts->cnt);
    notify_plugins(s, parts, 1);
}

/* Messages of `parts` handed out and not yet complete. */
static int revoked_busy(struct stage *s, void *opaque)
{
    rd_kafka_topic_partition_list_t *parts = opaque;
    size_t pending = 0;
    for (int k = 0; k < parts->cnt; k++) {
        struct partition_state *ps =
            find_partition(s, parts->elems[k].topic, parts->elems[k].partition, 0);
        if (ps && ps->assigned)
            pending += offset_tracker_pending(&ps->tracker);
    }
    return pending > 0;
}

/* librdkafka keeps a partition's application pause across unassign and assign. Input that
 * resumes while nothing is assigned (the revoke's settle just drained it) resumes nothing, so
 * a partition paused here and assigned back later would never be fetched again. Partitions
 * therefore leave the assignment unpaused; on_assign pauses what it adds while input is. */
static void unpause_leaving(struct stage *s, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts)
{
    if (s->input_paused)
        rd_kafka_resume_partitions(rk, parts);
}

static void on_revoke(struct stage *s, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts)
{
    /* Give work in flight a short chance to finish so its offsets are committed here rather
     * than redone by the next owner (bounded: the group waits for us). */
    if (!atomic_load(&s->stopping)) {
        int64_t max = s->cfg->drain_timeout_ms < REVOKE_SETTLE_MS ? s->cfg->drain_timeout_ms
                                                                  : REVOKE_SETTLE_MS;
        stage_loop_settle(s, revoked_busy, parts, max);
    }
    kafka_consumer_store_offsets(s);
    rd_kafka_resp_err_t cerr = rd_kafka_commit(rk, NULL, 0);
    if (cerr && cerr != RD_KAFKA_RESP_ERR__NO_OFFSET)
        LOG_WARN("kafka consumer: commit before revoke failed: %s", rd_kafka_err2str(cerr));
    for (int k = 0; k < parts->cnt; k++) {
        struct partition_state *ps =
            find_partition(s, parts->elems[k].topic, parts->elems[k].partition, 0);
        if (!ps)
            continue;
        ps->assigned = 0;
        ps->gen++;
        ps->dirty = 0;
        offset_tracker_reset(&ps->tracker);
    }
    notify_plugins(s, parts, 0);
    unpause_leaving(s, rk, parts);
    if (strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0) {
        rd_kafka_error_t *error = rd_kafka_incremental_unassign(rk, parts);
        if (error) {
            LOG_ERROR("kafka consumer: incremental unassign failed: %s",
                      rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
        }
    } else {
        rd_kafka_assign(rk, NULL);
    }
    LOG_INFO("kafka consumer: %d partition(s) revoked", parts->cnt);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct stage *s = opaque;
    metric_add(s->m.rebalances, 1);
    clear_totals();
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        on_assign(s, rk, parts);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        on_revoke(s, rk, parts);
    } else {
        LOG_ERROR("kafka consumer: rebalance error: %s", rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_t *current = NULL;
        if (rd_kafka_assignment(rk, &current) == RD_KAFKA_RESP_ERR_NO_ERROR && current) {
            unpause_leaving(s, rk, current);
            rd_kafka_topic_partition_list_destroy(current);
        }
        rd_kafka_assign(rk, NULL);
    }
}

static void consumer_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct stage *s = opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        atomic_store(&s->kafka_ok, 0);
    LOG_WARN("kafka consumer: %s: %s", rd_kafka_err2name(err), reason);
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen)
{
    char why[256];
    if (rd_kafka_conf_set(conf, k, v, why, sizeof why) == RD_KAFKA_CONF_OK)
        return 0;
    snprintf(err, errlen, "kafka consumer: %s: %s", k, why);
    return -1;
}

static int subscribe(struct stage *s, char *err, size_t errlen)
{
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < s->n_plugins; i++)
        for (size_t t = 0; t < s->plugins[i].cfg->n_consume; t++) {
            char full[300];
            snprintf(full, sizeof full, "%s%s", s->cfg->topic_prefix,
                     s->plugins[i].cfg->consume[t]);
            rd_kafka_topic_partition_list_add(topics, full, RD_KAFKA_PARTITION_UA);
            LOG_INFO("kafka consumer: subscribing to %s (group %s)", full, s->cfg->group_id);
        }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(s->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) {
        snprintf(err, errlen, "kafka consumer: subscribe failed: %s", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

rd_kafka_conf_t *kafka_consumer_conf(const struct stage_config *cfg, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (set(conf, "bootstrap.servers", cfg->brokers, err, errlen) ||
        set(conf, "group.id", cfg->group_id, err, errlen) ||
        set(conf, "client.id", cfg->name, err, errlen) ||
        set(conf, "auto.offset.reset", "earliest", err, errlen) ||
        kafka_conf_apply(conf, cfg->properties, cfg->n_properties, "consumer", err, errlen) ||
        /* the at-least-once contract depends on these two: not overridable */
        set(conf, "enable.auto.offset.store", "false", err, errlen) ||
        set(conf, "enable.auto.commit", "true", err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

int kafka_consumer_create(struct stage *s, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = kafka_consumer_conf(s->cfg, err, errlen);
    if (!conf)
        return -1;
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_error_cb(conf, consumer_error_cb);
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_opaque(conf, s);
    char why[512];
    s->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!s->consumer) {
        snprintf(err, errlen, "kafka consumer: %s", why);
        return -1;
    }
    rd_kafka_poll_set_consumer(s->consumer);
    s->consumer_queue = rd_kafka_queue_get_consumer(s->consumer);
    return subscribe(s, err, errlen);
}

/* Returns 1 if the message was handed to a plugin batch. */
static int take_message(struct stage *s, rd_kafka_message_t *rkm, int discard)
{
    if (rkm->err) {
        if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            LOG_WARN("kafka consumer: %s", rd_kafka_message_errstr(rkm));
        return 0;
    }
    if (discard)
        return 0;
    struct partition_state *ps =
        find_partition(s, rd_kafka_topic_name(rkm->rkt), rkm->partition, 0);
    if (!ps || !ps->assigned)
        return 0;
    struct host_msg *m = inflight_new(s, ps->owner, ps, rkm);
    if (!m)
        return 0;
    ps->owner->batch[ps->owner->n_batch++] = m;
    return 1;
}

size_t kafka_consumer_poll(struct stage *s, int timeout_ms, int discard)
{
    size_t n = 0, max = (size_t)s->cfg->batch_size;
    rd_kafka_message_t *rkm = rd_kafka_consumer_poll(s->consumer, timeout_ms);
    while (rkm) {
        /* after a fatal error nothing more is handed out: its offsets must not be committed */
        n += take_message(s, rkm, discard || atomic_load(&s->fatal));
        rd_kafka_message_destroy(rkm);
        if (n >= max)
            break;
        rkm = rd_kafka_consumer_poll(s->consumer, 0);
    }
    if (n)
        atomic_store(&s->kafka_ok, 1);
    return n;
}

void kafka_consumer_store_offsets(struct stage *s)
{
    if (!s->consumer)
        return;
    rd_kafka_topic_partition_list_t *list = NULL;
    for (struct partition_state *ps = s->partitions; ps; ps = ps->next) {
        int64_t off;
        if (!ps->dirty || !ps->assigned)
            continue;
        ps->dirty = 0;
        if (!offset_tracker_take(&ps->tracker, &off))
            continue;
        if (!list)
            list = rd_kafka_topic_partition_list_new(8);
        rd_kafka_topic_partition_list_add(list, ps->topic, ps->partition)->offset = off;
    }
    if (!list)
        return;
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(s->consumer, list);
    if (e)
        LOG_WARN("kafka consumer: storing offsets failed: %s", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(list);
}

void kafka_consumer_set_paused(struct stage *s, int paused)
{
    if (!s->consumer || s->input_paused == paused)
        return;
    s->input_paused = paused;
    metric_set(s->m.paused, paused);
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(s->consumer, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR && parts) {
        if (paused)
            rd_kafka_pause_partitions(s->consumer, parts);
        else
            rd_kafka_resume_partitions(s->consumer, parts);
        rd_kafka_topic_partition_list_destroy(parts);
    }
    LOG_DEBUG("kafka consumer: input %s (in flight %zu)", paused ? "paused" : "resumed",
              s->in_flight);
}

static int metadata_total(struct stage *s, const char *logical)
{
    char full[300];
    snprintf(full, sizeof full, "%s%s", s->cfg->topic_prefix, logical);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(s->consumer, full, NULL);
    const struct rd_kafka_metadata *md = NULL;
    int total = 0;
    if (rkt && rd_kafka_metadata(s->consumer, 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && !md->topics[0].err)
            total = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
    }
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    return total;
}

void kafka_consumer_partition_share(struct stage *s, const char *logical, int *owned, int *total)
{
    int own = 0;
    for (struct partition_state *ps = s->partitions; ps; ps = ps->next)
        own += ps->assigned && strcmp(ps->logical, logical) == 0;
    struct topic_total *t;
    for (t = totals; t; t = t->next)
        if (strcmp(t->logical, logical) == 0)
            break;
    if (!t && s->consumer) {
        t = calloc(1, sizeof *t);
        t->logical = strdup(logical);
        t->total = metadata_total(s, logical);
        t->next = totals;
        totals = t;
    }
    if (owned)
        *owned = own;
    if (total)
        *total = t ? t->total : 0;
}

double kafka_consumer_lag(struct stage *s)
{
    double lag = 0;
    if (!s->consumer)
        return 0;
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(s->consumer, &parts) || !parts)
        return 0;
    rd_kafka_position(s->consumer, parts);
    for (int k = 0; k < parts->cnt; k++) {
        int64_t lo, hi;
        rd_kafka_topic_partition_t *p = &parts->elems[k];
        if (rd_kafka_get_watermark_offsets(s->consumer, p->topic, p->partition, &lo, &hi) || hi < 0)
            continue;
        int64_t pos = p->offset >= 0 ? p->offset : lo;
        if (hi > pos)
            lag += (double)(hi - pos);
    }
    rd_kafka_topic_partition_list_destroy(parts);
    return lag;
}

void kafka_consumer_close(struct stage *s)
{
    if (!s->consumer)
        return;
    kafka_consumer_store_offsets(s);
    rd_kafka_resp_err_t e = rd_kafka_commit(s->consumer, NULL, 0);
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
        LOG_WARN("kafka consumer: final commit failed: %s", rd_kafka_err2str(e));
    else
        LOG_INFO("kafka consumer: offsets committed");
    e = rd_kafka_consumer_close(s->consumer);
    if (e)
        LOG_WARN("kafka consumer: close: %s", rd_kafka_err2str(e));
}

void kafka_consumer_destroy(struct stage *s)
{
    clear_totals();
    if (s->consumer_queue)
        rd_kafka_queue_destroy(s->consumer_queue);
    s->consumer_queue = NULL;
    if (s->consumer)
        rd_kafka_destroy(s->consumer);
    s->consumer = NULL;
    while (s->partitions) {
        struct partition_state *ps = s->partitions;
        s->partitions = ps->next;
        offset_tracker_free(&ps->tracker);
        free(ps->topic);
        free(ps);
    }
}
