/*
 * host_api.c - the struct herald_host_api a plugin receives (see herald/plugin.h).
 *
 * Why a thin layer: each entry point only checks its arguments and forwards to the module
 * that owns the concern (producer, in-flight messages, PostgreSQL, metrics), so the ABI
 * stays stable while the internals move.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inflight.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"
#include "log.h"
#include "stage.h"

static void api_log(herald_host *h, herald_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_msgv(level, host_plugin_of(h)->p->name, fmt, ap);
    va_end(ap);
}

static const char *api_stage_name(herald_host *h)
{
    return host_plugin_of(h)->stage->cfg->name;
}

static int api_produce(herald_host *h, const char *topic, const char *key, size_t key_len,
                       const char *payload, size_t len, struct herald_message *parent,
                       herald_delivery_cb cb, void *opaque)
{
    struct host_plugin *hp = host_plugin_of(h);
    return kafka_producer_send(hp->stage, hp, topic, key, key_len, payload, len,
                               (struct host_msg *)parent, cb, opaque, NULL);
}

/* done() outside the main thread would race with the loop; refuse loudly instead. */
static int on_main_thread(struct host_plugin *hp, const char *fn)
{
    if (stage_is_main_thread(hp->stage))
        return 1;
    log_msg(HERALD_LOG_ERROR, hp->p->name,
            "plugin bug: %s() called outside the main thread; ignored (the message will be "
            "redelivered after a restart)",
            fn);
    return 0;
}

static void api_done_reason(herald_host *h, struct herald_message *msg, herald_status status,
                            const char *reason)
{
    if (!msg || !on_main_thread(host_plugin_of(h), "done"))
        return;
    inflight_done((struct host_msg *)msg, status, reason);
}

static void api_done(herald_host *h, struct herald_message *msg, herald_status status)
{
    api_done_reason(h, msg, status, NULL);
}

static void api_partition_share(herald_host *h, const char *topic, int *owned, int *total)
{
    kafka_consumer_partition_share(host_plugin_of(h)->stage, topic, owned, total);
}

static void api_pause_input(herald_host *h, int paused)
{
    host_plugin_of(h)->wants_pause = paused != 0;
}

static void *api_pg_main(herald_host *h)
{
    struct stage *s = host_plugin_of(h)->stage;
    return s->pg_main ? pg_connection_get(s->pg_main) : NULL;
}

static herald_pg *api_pg_open(herald_host *h)
{
    struct stage *s = host_plugin_of(h)->stage;
    if (!s->cfg->pg_conninfo[0]) {
        api_log(h, HERALD_LOG_ERROR, "pg_open: postgres.conninfo is not configured");
        return NULL;
    }
    return pg_connection_new(s->cfg->pg_conninfo);
}

static void *api_pg_conn(herald_pg *pg)
{
    return pg ? pg_connection_get(pg) : NULL;
}

static void api_pg_close(herald_pg *pg)
{
    pg_connection_free(pg);
}

static void *api_pg_exec(herald_host *h, const char *sql, int nparams, const char *const *params)
{
    struct host_plugin *hp = host_plugin_of(h);
    if (!hp->stage->pg_main)
        return NULL;
    return pg_connection_exec(hp->stage->pg_main, hp->p->name, sql, nparams, params);
}

static herald_counter *register_metric(herald_host *h, const char *name, const char *help,
                                       enum metric_kind kind)
{
    struct host_plugin *hp = host_plugin_of(h);
    char full[256];
    snprintf(full, sizeof full, "herald_%s_%s", hp->p->name, name);
    return (herald_counter *)metrics_register(hp->stage->metrics, full, help, kind);
}

static herald_counter *api_counter(herald_host *h, const char *name, const char *help)
{
    return register_metric(h, name, help, METRIC_COUNTER);
}

static herald_counter *api_gauge(herald_host *h, const char *name, const char *help)
{
    return register_metric(h, name, help, METRIC_GAUGE);
}

static void api_counter_add(herald_counter *c, double v)
{
    if (v > 0)
        metric_add((struct metric *)c, v);
}

static void api_gauge_set(herald_counter *c, double v)
{
    metric_set((struct metric *)c, v);
}

static const void *api_config_setting(herald_host *h, const char *path)
{
    struct host_plugin *hp = host_plugin_of(h);
    if (!hp->cfg->config || !path)
        return NULL;
    return config_setting_lookup(hp->cfg->config, path);
}

static int64_t api_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int api_stopping(herald_host *h)
{
    return atomic_load(&host_plugin_of(h)->stage->stopping);
}

static void api_wakeup(herald_host *h)
{
    struct stage *s = host_plugin_of(h)->stage;
    atomic_store(&s->wake_requested, 1);
    stage_wakeup(s);
}

const struct herald_host_api host_api_table = {
    .log = api_log,
    .stage_name = api_stage_name,
    .produce = api_produce,
    .done = api_done,
    .done_reason = api_done_reason,
    .partition_share = api_partition_share,
    .pause_input = api_pause_input,
    .pg_main = api_pg_main,
    .pg_open = api_pg_open,
    .pg_conn = api_pg_conn,
    .pg_close = api_pg_close,
    .pg_exec = api_pg_exec,
    .counter = api_counter,
    .gauge = api_gauge,
    .counter_add = api_counter_add,
    .gauge_set = api_gauge_set,
    .config_setting = api_config_setting,
    .now_ms = api_now_ms,
    .stopping = api_stopping,
    .wakeup = api_wakeup,
};
