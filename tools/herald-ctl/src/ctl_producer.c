/*
 * ctl_producer.c - one-shot idempotent Kafka producer for commands; see ctl_producer.h.
 */
#include "ctl_producer.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct delivery {
    bool done;
    rd_kafka_resp_err_t err;
    bool all_brokers_down;
    char last_error[256];
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct delivery *d = opaque;
    d->done = true;
    d->err = m->err;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct delivery *d = opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        d->all_brokers_down = true;
    snprintf(d->last_error, sizeof(d->last_error), "%s", reason);
}

/* librdkafka's own log lines would clutter an operator's terminal; errors reach on_error. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen)
{
    char why[256];
    if (rd_kafka_conf_set(conf, k, v, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka setting %s: %s", k, why);
        return -1;
    }
    return 0;
}

static rd_kafka_conf_t *make_conf(const struct ctl_config *cfg, int timeout_ms, struct delivery *d,
                                  char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char tmo[32];
    snprintf(tmo, sizeof(tmo), "%d", timeout_ms);
    for (int i = 0; i < cfg->nkafka_props; i++) {
        char kv[256];
        snprintf(kv, sizeof(kv), "%s", cfg->kafka_props[i]);
        char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (set(conf, kv, eq + 1, err, errlen) != 0)
            goto fail;
    }
    if (set(conf, "bootstrap.servers", cfg->brokers, err, errlen) ||
        set(conf, "enable.idempotence", "true", err, errlen) ||
        set(conf, "acks", "all", err, errlen) ||
        set(conf, "message.timeout.ms", tmo, err, errlen) ||
        set(conf, "client.id", "herald-ctl", err, errlen))
        goto fail;
    rd_kafka_conf_set_opaque(conf, d);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int await_delivery(rd_kafka_t *rk, struct delivery *d, const struct ctl_config *cfg,
                          int timeout_ms, char *err, size_t errlen)
{
    double deadline = now_s() + timeout_ms / 1000.0 + 1.0;
    while (!d->done && !d->all_brokers_down && now_s() < deadline)
        rd_kafka_poll(rk, 50);
    if (d->done && d->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    /* librdkafka's message timeout and our own poll deadline are the same event: no ack */
    if (d->done && d->err != RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        snprintf(err, errlen, "kafka at %s did not take the command: %s", cfg->brokers,
                 rd_kafka_err2str(d->err));
    else if (!d->done && d->all_brokers_down)
        snprintf(err, errlen, "kafka unreachable at %s (%s)", cfg->brokers, d->last_error);
    else
        snprintf(err, errlen,
                 "kafka at %s did not acknowledge the command within %d ms (--timeout)%s%s; "
                 "it may or may not have been taken",
                 cfg->brokers, timeout_ms, *d->last_error ? ": " : "", d->last_error);
    return -1;
}

int ctl_produce_command(const struct ctl_config *cfg, const char *key, const char *payload,
                        int timeout_ms, char *err, size_t errlen)
{
    struct delivery d = {0};
    rd_kafka_conf_t *conf = make_conf(cfg, timeout_ms, &d, err, errlen);
    if (!conf)
        return -1;
    char why[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "cannot create kafka producer: %s", why);
        return -1;
    }
    char topic[256];
    ctl_config_topic(cfg, "campaign-commands", topic, sizeof(topic));
    rd_kafka_resp_err_t perr =
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                          RD_KAFKA_V_VALUE((void *)payload, strlen(payload)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    int rc;
    if (perr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "cannot produce to %s: %s", topic, rd_kafka_err2str(perr));
        rc = -1;
    } else {
        rc = await_delivery(rk, &d, cfg, timeout_ms, err, errlen);
    }
    if (rc != 0)
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk, rc == 0 ? 1000 : 0);
    rd_kafka_destroy(rk);
    return rc;
}
