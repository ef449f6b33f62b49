/*
 * kafka_producer.c - idempotent producer, parent tracking and delivery reports (see header).
 *
 * Failure policy: a message that could not even be queued makes produce() return -1; a
 * message that failed delivery is logged, counted, reported to the plugin's callback and
 * marks its parent so that the parent is retried instead of committed. Nothing is silently
 * dropped. A fatal idempotence error stops the stage with a non-zero exit so a supervisor
 * restarts it with a fresh producer id.
 */
#include "kafka_producer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inflight.h"
#include "log.h"

/* Per-message opaque carried through librdkafka to the delivery report. Small on purpose:
 * the webhook allocates one per produced event. */
struct produce_job {
    struct host_plugin *hp;
    struct host_msg *parent;
    herald_delivery_cb cb;
    void *opaque;
    rd_kafka_topic_t *topic; /* owned by the stage's topic cache */
    rd_kafka_resp_err_t err; /* the delivery's outcome */
    struct produce_job *next;
};

/* Reports collected during rd_kafka_poll; applied by kafka_producer_poll. [main] */
static struct produce_job *reports_head, **reports_tail = &reports_head;

int kafka_conf_apply(rd_kafka_conf_t *conf, char **props, size_t n, const char *role, char *err,
                     size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        char *kv = strdup(props[i]);
        char *eq = strchr(kv, '=');
        *eq = '\0';
        const char *key = kv, *val = eq + 1;
        const char *dot = strchr(key, '.');
        if (dot && (strncmp(key, "producer.", 9) == 0 || strncmp(key, "consumer.", 9) == 0)) {
            if (strncmp(key, role, strlen(role)) != 0) {
                free(kv);
                continue;
            }
            key = dot + 1;
        }
        char why[256];
        if (rd_kafka_conf_set(conf, key, val, why, sizeof why) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "kafka.properties: '%s': %s", props[i], why);
            free(kv);
            return -1;
        }
        free(kv);
    }
    return 0;
}

void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    herald_log_level l = level <= 3   ? HERALD_LOG_ERROR
                         : level <= 4 ? HERALD_LOG_WARN
                         : level <= 6 ? HERALD_LOG_INFO
                                      : HERALD_LOG_DEBUG;
    /* librdkafka's debug lines only exist when `debug=` is configured: always show them */
    if (l == HERALD_LOG_DEBUG)
        l = HERALD_LOG_INFO;
    log_msg(l, "rdkafka", "%s: %s: %s", rd_kafka_name(rk), fac, buf);
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
    struct produce_job *job = rkm->_private;
    if (!job)
        return;
    job->err = rkm->err;
    job->next = NULL;
    *reports_tail = job;
    reports_tail = &job->next;
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct stage *s = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_fatal_error(rk, why, sizeof why);
        LOG_ERROR("kafka producer: fatal error, stopping the stage: %s", why);
        atomic_store(&s->fatal, 1);
        atomic_store(&s->stopping, 1);
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        atomic_store(&s->kafka_ok, 0);
    LOG_WARN("kafka producer: %s: %s", rd_kafka_err2name(err), reason);
}

/* The producer's event queue became non-empty (librdkafka thread): wake the main loop so
 * delivery reports are applied promptly (the gateway answers HTTP only after acks). */
static void producer_queue_event(rd_kafka_t *rk, void *opaque)
{
    stage_wakeup(opaque);
}

rd_kafka_conf_t *kafka_producer_conf(const struct stage_config *cfg, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[256];
    const char *defaults[][2] = {
        {"bootstrap.servers", cfg->brokers},
        {"client.id", cfg->name},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"linger.ms", "5"},
        {"message.timeout.ms", "300000"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        if (rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], why, sizeof why)) {
            snprintf(err, errlen, "kafka producer: %s: %s", defaults[i][0], why);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    if (kafka_conf_apply(conf, cfg->properties, cfg->n_properties, "producer", err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    /* the guarantees are not negotiable: re-assert them after the user's properties */
    rd_kafka_conf_set(conf, "enable.idempotence", "true", why, sizeof why);
    rd_kafka_conf_set(conf, "acks", "all", why, sizeof why);
    return conf;
}

int kafka_producer_create(struct stage *s, char *err, size_t errlen)
{
    char why[256];
    rd_kafka_conf_t *conf = kafka_producer_conf(s->cfg, err, errlen);
    if (!conf)
        return -1;
    rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_opaque(conf, s);
    kafka_topic_cache_init(&s->topics);
    s->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!s->producer) {
        snprintf(err, errlen, "kafka producer: %s", why);
        return -1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_get_main(s->producer);
    rd_kafka_queue_cb_event_enable(q, producer_queue_event, s);
    rd_kafka_queue_destroy(q);
    LOG_INFO("kafka producer ready: brokers=%s enable.idempotence=true acks=all", s->cfg->brokers);
    return 0;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Undoes what a send that could not be queued took on. */
static int send_refused(struct stage *s, const char *who, struct host_msg *parent,
                        rd_kafka_headers_t *headers, const char *topic, const char *why)
{
    log_msg(HERALD_LOG_ERROR, who, "produce to %s failed: %s", topic, why);
    metric_add(s->m.produce_errors, 1);
    if (headers)
        rd_kafka_headers_destroy(headers);
    if (parent)
        atomic_fetch_sub(&parent->pending_children, 1);
    return -1;
}

int kafka_producer_send(struct stage *s, struct host_plugin *hp, const char *topic, const char *key,
                        size_t key_len, const char *payload, size_t len, struct host_msg *parent,
                        herald_delivery_cb cb, void *opaque, rd_kafka_headers_t *headers)
{
    const char *who = hp ? hp->p->name : NULL;
    char full[300];
    if (!topic || !topic[0] ||
        (size_t)snprintf(full, sizeof full, "%s%s", s->cfg->topic_prefix, topic) >= 160) {
        log_msg(HERALD_LOG_ERROR, who, "produce: invalid topic name '%s'", topic ? topic : "");
        if (headers)
            rd_kafka_headers_destroy(headers);
        return -1;
    }
    if (parent)
        atomic_fetch_add(&parent->pending_children, 1);
    rd_kafka_topic_t *rkt = kafka_topic_cache_get(&s->topics, s->producer, full);
    if (!rkt)
        return send_refused(s, who, parent, headers, full,
                            "no topic handle (invalid name, or more than "
                            "KAFKA_TOPIC_CACHE_MAX topics)");
    struct produce_job *job = malloc(sizeof *job);
    if (!job)
        return send_refused(s, who, parent, headers, full, "out of memory");
    *job =
        (struct produce_job){.hp = hp, .parent = parent, .cb = cb, .opaque = opaque, .topic = rkt};
    int main_thread = stage_is_main_thread(s);
    int64_t deadline = mono_ms() + s->cfg->produce_block_ms;
    rd_kafka_resp_err_t e;
    for (;;) {
        e = rd_kafka_producev(
            s->producer, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY((void *)key, key ? key_len : 0), RD_KAFKA_V_VALUE((void *)payload, len),
            RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(job), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || mono_ms() >= deadline)
            break;
        if (main_thread)
            rd_kafka_poll(s->producer, 10); /* reports are queued, not applied: safe here */
        else
            usleep(10000);
    }
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    free(job);
    return send_refused(s, who, parent, headers, full, rd_kafka_err2str(e));
}

static void apply_report(struct stage *s, struct produce_job *job)
{
    const char *who = job->hp ? job->hp->p->name : NULL;
    const char *err = job->err ? rd_kafka_err2str(job->err) : NULL;
    if (err) {
        log_msg(HERALD_LOG_ERROR, who, "delivery to %s failed: %s%s",
                rd_kafka_topic_name(job->topic), err,
                job->parent ? " (the consumed message will be retried)" : "");
        metric_add(s->m.produce_errors, 1);
    } else {
        metric_add(s->m.out, 1);
    }
    if (job->cb)
        job->cb(job->opaque, err);
    if (job->parent)
        inflight_child_result(job->parent, !err);
}

void kafka_producer_poll(struct stage *s)
{
    rd_kafka_poll(s->producer, 0);
    while (reports_head) {
        struct produce_job *job = reports_head;
        reports_head = job->next;
        if (!reports_head)
            reports_tail = &reports_head;
        apply_report(s, job);
        free(job);
    }
}

void kafka_producer_flush(struct stage *s, int timeout_ms)
{
    rd_kafka_resp_err_t e = rd_kafka_flush(s->producer, timeout_ms);
    if (e)
        LOG_ERROR("kafka producer: %d message(s) still unacknowledged after %d ms",
                  rd_kafka_outq_len(s->producer), timeout_ms);
    kafka_producer_poll(s);
}

int kafka_producer_outstanding(struct stage *s)
{
    return rd_kafka_outq_len(s->producer);
}

void kafka_producer_destroy(struct stage *s)
{
    if (!s->producer)
        return;
    rd_kafka_queue_t *q = rd_kafka_queue_get_main(s->producer);
    rd_kafka_queue_cb_event_enable(q, NULL, NULL);
    rd_kafka_queue_destroy(q);
    /* purge anything left so that its reports (and jobs) are released */
    rd_kafka_purge(s->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(s->producer, 0);
    while (reports_head) {
        struct produce_job *job = reports_head;
        reports_head = job->next;
        free(job);
    }
    reports_tail = &reports_head;
    kafka_topic_cache_destroy(&s->topics);
    rd_kafka_destroy(s->producer);
    s->producer = NULL;
}
