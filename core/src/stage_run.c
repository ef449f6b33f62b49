/*
 * stage_run.c - startup and teardown order of a stage.
 *
 * Startup goes from what can be refused cheaply to what touches the outside world: load
 * every plugin and parse its config (exit 1 with a one-line error), then producer, metrics
 * endpoint, PostgreSQL, cb_init, and only then join the consumer group, so that a stage that
 * cannot start never steals partitions from a healthy one.
 *
 * stage_dry_run() is that cheap first part alone (`herald-stage --dry-run`, like Fluent Bit's
 * flag of the same name): an operator checks a config before a deploy without a broker, a
 * database or a free metrics port at hand.
 */
#include "stage_run.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health_probe.h"
#include "inflight.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"
#include "log.h"
#include "metrics_http.h"
#include "plugin_config_map.h"
#include "signals.h"
#include "stage.h"
#include "stage_loop.h"

int stage_is_main_thread(const struct stage *s)
{
    return pthread_equal(pthread_self(), s->main_thread);
}

void stage_wakeup(struct stage *s)
{
    if (s->consumer_queue) {
        rd_kafka_queue_yield(s->consumer_queue);
    } else if (s->wake_pipe[1] > 0) {
        char c = 1;
        ssize_t w = write(s->wake_pipe[1], &c, 1);
        (void)w;
    }
}

static int load_plugin(struct stage *s, struct host_plugin *hp, char *err, size_t errlen)
{
    if (plugin_load(&hp->lp, hp->cfg->name, hp->cfg->path, s->cfg->plugin_dir, err, errlen))
        return -1;
    hp->p = hp->lp.plugin;
    hp->pub.api = &host_api_table;
    hp->stage = s;
    if (hp->cfg->n_consume && !hp->p->cb_process) {
        snprintf(err, errlen, "plugin '%s' has no cb_process but plugins[%d].consume lists topics",
                 hp->p->name, hp->cfg->index);
        return -1;
    }
    hp->ctx = calloc(1, hp->p->ctx_size ? hp->p->ctx_size : 1);
    hp->batch = calloc((size_t)s->cfg->batch_size, sizeof *hp->batch);
    char where[64];
    snprintf(where, sizeof where, "plugins[%d].config", hp->cfg->index);
    return config_map_apply(hp->p->config_map, hp->cfg->config, hp->ctx, s->cfg->file, where,
                            hp->p->name, err, errlen);
}

static void create_core_metrics(struct stage *s)
{
    struct metrics *m = s->metrics;
    s->m.in = metrics_register(m, "herald_messages_in_total",
                               "messages consumed and handed "
                               "to plugins",
                               METRIC_COUNTER);
    s->m.out = metrics_register(m, "herald_messages_out_total",
                                "messages produced and acknowledged by Kafka", METRIC_COUNTER);
    s->m.errors = metrics_register(m, "herald_messages_errors_total",
                                   "messages completed with HERALD_ERROR", METRIC_COUNTER);
    s->m.retries = metrics_register(m, "herald_messages_retries_total",
                                    "retries scheduled (HERALD_RETRY or failed child produce)",
                                    METRIC_COUNTER);
    s->m.produce_errors =
        metrics_register(m, "herald_produce_errors_total",
                         "produce calls or deliveries that failed", METRIC_COUNTER);
    s->m.dead_letters = metrics_register(
        m, "herald_dead_letters_total", "messages copied to the dead-letter topic", METRIC_COUNTER);
    s->m.rebalances =
        metrics_register(m, "herald_rebalances_total", "consumer group rebalances", METRIC_COUNTER);
    s->m.in_flight = metrics_register(m, "herald_messages_in_flight",
                                      "consumed messages not yet complete", METRIC_GAUGE);
    s->m.lag = metrics_register(m, "herald_consumer_lag",
                                "high watermark minus consumed position, summed", METRIC_GAUGE);
    s->m.paused =
        metrics_register(m, "herald_input_paused", "1 while input is paused", METRIC_GAUGE);
    s->m.refetched = metrics_register(m, "herald_messages_refetched_total",
                                      "offsets the Kafka client delivered twice in one "
                                      "assignment, skipped",
                                      METRIC_COUNTER);
}

static int start_io(struct stage *s, char *err, size_t errlen)
{
    if (kafka_producer_create(s, err, errlen))
        return -1;
    int port = 0;
    if (metrics_http_start(s, s->cfg->metrics_listen, &port, err, errlen))
        return -1;
    log_fields(HERALD_LOG_INFO, NULL, NULL, NULL, "metrics_port", port,
               "metrics listening on %s (port %d)", s->cfg->metrics_listen, port);
    if (s->cfg->pg_conninfo[0]) {
        s->pg_main = pg_connection_new(s->cfg->pg_conninfo);
        pg_connection_get(s->pg_main); /* early, so a bad conninfo shows in the first lines */
    }
    atomic_store(&s->pg_ok, s->cfg->pg_conninfo[0] ? 0 : 1);
    return health_probe_start(s);
}

static int init_plugins(struct stage *s)
{
    for (size_t i = 0; i < s->n_plugins; i++) {
        struct host_plugin *hp = &s->plugins[i];
        if (hp->p->cb_init(hp->ctx, &hp->pub)) {
            fprintf(stderr, "herald-stage: plugin '%s' failed to initialise (see its log above)\n",
                    hp->p->name);
            return -1;
        }
        hp->initialised = 1;
        log_msg(HERALD_LOG_INFO, hp->p->name, "plugin initialised from %s", hp->lp.path);
    }
    return 0;
}

static int needs_consumer(struct stage *s)
{
    for (size_t i = 0; i < s->n_plugins; i++)
        if (s->cfg->plugins[i].n_consume)
            return 1;
    return 0;
}

static void teardown(struct stage *s)
{
    health_probe_stop();
    metrics_http_stop();
    for (size_t i = s->n_plugins; i-- > 0;) {
        struct host_plugin *hp = &s->plugins[i];
        if (hp->initialised && hp->p->cb_exit)
            hp->p->cb_exit(hp->ctx);
    }
    /* producer first: its queue-event callback wakes the consumer queue */
    kafka_producer_destroy(s);
    kafka_consumer_destroy(s);
    inflight_free_all(s);
    for (size_t i = 0; i < s->n_plugins; i++) {
        struct host_plugin *hp = &s->plugins[i];
        if (hp->p && hp->ctx)
            config_map_free(hp->p->config_map, hp->ctx);
        free(hp->ctx);
        free(hp->batch);
        plugin_unload(&hp->lp);
    }
    free(s->plugins);
    pg_connection_free(s->pg_main);
    metrics_free(s->metrics);
    for (int i = 0; i < 2; i++)
        if (s->wake_pipe[i] > 0)
            close(s->wake_pipe[i]);
}

/* A conninfo libpq cannot parse is a config error, not an outage: refused at startup instead
 * of retried forever. With `out`, also where the stage would connect (never the password). */
static int check_conninfo(const char *conninfo, char *out, size_t outlen, char *err, size_t errlen)
{
    if (!conninfo[0]) {
        if (out)
            snprintf(out, outlen, "none (no postgres.conninfo)");
        return 0;
    }
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
    if (!opts) {
        snprintf(err, errlen, "postgres.conninfo: %s", why ? why : "out of memory");
        err[strcspn(err, "\n")] = '\0'; /* libpq's messages end in a newline */
        if (why)
            PQfreemem(why);
        return -1;
    }
    const char *host = NULL, *port = NULL, *db = NULL, *user = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (!strcmp(o->keyword, "host") || (!host && !strcmp(o->keyword, "hostaddr")))
            host = o->val;
        else if (!strcmp(o->keyword, "port"))
            port = o->val;
        else if (!strcmp(o->keyword, "dbname"))
            db = o->val;
        else if (!strcmp(o->keyword, "user"))
            user = o->val;
    }
    if (out)
        snprintf(out, outlen, "host %s, port %s, dbname %s, user %s",
                 host ? host : "(libpq default)", port ? port : "(libpq default)",
                 db ? db : "(libpq default)", user ? user : "(libpq default)");
    PQconninfoFree(opts);
    return 0;
}

static int load_plugins(struct stage *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->n_plugins; i++) {
        s->plugins[i].cfg = &s->cfg->plugins[i];
        s->plugins[i].stage = s;
        if (load_plugin(s, &s->plugins[i], err, errlen))
            return -1;
    }
    return 0;
}

static int start(struct stage *s, char *err, size_t errlen)
{
    if (load_plugins(s, err, errlen))
        return 1;
    if (check_conninfo(s->cfg->pg_conninfo, NULL, 0, err, errlen) || start_io(s, err, errlen) ||
        init_plugins(s))
        return 1;
    err[0] = '\0';
    if (needs_consumer(s) && kafka_consumer_create(s, err, errlen))
        return 1;
    return 0;
}

static void stage_init(struct stage *s, struct stage_config *cfg)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->main_thread = pthread_self();
    s->n_plugins = cfg->n_plugins;
    s->plugins = calloc(cfg->n_plugins, sizeof *s->plugins);
    s->metrics = metrics_new(cfg->name);
}

int stage_run(struct stage_config *cfg)
{
    struct stage s;
    stage_init(&s, cfg);
    retry_scheduler_init(&s.retries);
    if (pipe2(s.wake_pipe, O_NONBLOCK | O_CLOEXEC))
        s.wake_pipe[0] = s.wake_pipe[1] = -1;
    create_core_metrics(&s);
    signals_install();

    char err[1024] = "";
    int rc = start(&s, err, sizeof err);
    if (rc) {
        if (err[0])
            fprintf(stderr, "herald-stage: %s\n", err);
    } else {
        rc = stage_loop_run(&s);
        LOG_INFO("stage stopped (exit %d)", rc);
    }
    teardown(&s);
    return rc;
}

/* The librdkafka settings are checked one by one by rd_kafka_conf_set, as at startup; checks
 * that librdkafka makes only when a client is created (combinations of settings) need a real
 * start. */
static int check_kafka_and_listen(struct stage *s, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = kafka_producer_conf(s->cfg, err, errlen);
    if (!conf)
        return -1;
    rd_kafka_conf_destroy(conf);
    if (needs_consumer(s)) {
        if (!(conf = kafka_consumer_conf(s->cfg, err, errlen)))
            return -1;
        rd_kafka_conf_destroy(conf);
    }
    struct sockaddr_storage sa;
    socklen_t sa_len;
    return metrics_http_parse_listen(s->cfg->metrics_listen, &sa, &sa_len, err, errlen);
}

static void print_summary(const struct stage *s, const char *postgres)
{
    const struct stage_config *c = s->cfg;
    printf("herald-stage: %s: configuration OK (nothing was connected to)\n", c->file);
    printf("  stage     %s, metrics on %s\n", c->name, c->metrics_listen);
    for (size_t i = 0; i < s->n_plugins; i++) {
        const struct host_plugin *hp = &s->plugins[i];
        printf("  plugin    %s (%s)", hp->p->name, hp->lp.path);
        for (size_t t = 0; t < hp->cfg->n_consume; t++)
            printf("%s%s%s", t ? ", " : ", consumes ", c->topic_prefix, hp->cfg->consume[t]);
        printf("\n");
    }
    printf("  kafka     %s, group %s\n", c->brokers, c->group_id);
    printf("  postgres  %s\n", postgres);
}

int stage_dry_run(struct stage_config *cfg)
{
    struct stage s;
    stage_init(&s, cfg);
    char err[1024] = "", postgres[600];
    int rc = load_plugins(&s, err, sizeof err) || check_kafka_and_listen(&s, err, sizeof err) ||
             check_conninfo(cfg->pg_conninfo, postgres, sizeof postgres, err, sizeof err);
    if (rc)
        fprintf(stderr, "herald-stage: %s\n", err);
    else
        print_summary(&s, postgres);
    teardown(&s);
    return rc ? 1 : 0;
}
