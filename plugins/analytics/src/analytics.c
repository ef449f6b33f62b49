/*
 * analytics.c - the analytics plugin: registration, configuration and the host callbacks.
 *
 * Why: folds `delivery-events` and `replies` (and `recalculate` commands) into exact
 * per-campaign numbers in PostgreSQL. Each cb_process batch is encoded (analytics_batch.c) and
 * applied in ONE transaction (analytics_store.c) by the pipeline's worker thread
 * (analytics_pipeline.h) while the main thread encodes the next batch; only after COMMIT is
 * every message of a batch completed, so offsets move only past committed work and a crash
 * replays batches that the idempotent fold absorbs. A transient failure retries the whole
 * batch; a batch refused for its data is split so that only the offending message is
 * dead-lettered. cb_tick collects finished batches and sweeps parked statuses and replies so
 * a late send is picked up within park_retry_ms. The main connection is only used while the
 * worker is idle, so at most one analytics transaction of this process runs at a time.
 */
#include "analytics_batch.h"
#include "analytics_metrics.h"
#include "analytics_pipeline.h"
#include "analytics_store.h"

#include <herald/plugin.h>

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct analytics_ctx {
    /* Filled by the host from config_map. */
    double attribution_window_hours;
    int64_t reply_park_timeout_seconds;
    int64_t park_retry_ms;
    int64_t park_retention_hours;
    char *opt_out_keywords;
    char *opt_in_keywords;

    herald_host *host;
    struct analytics_opt_keywords keywords;
    struct analytics_store store;      /* the main connection's (sweeps, isolation) */
    struct analytics_batch batches[2]; /* one being encoded, one in the worker */
    int encoding;                      /* index of the batch being encoded */
    struct analytics_batch single;     /* sweeps and message-by-message isolation */
    struct analytics_pipeline pipeline;
    /* The messages of the batch in the worker, completed when its result is collected. */
    struct herald_message **inflight;
    unsigned char *inflight_pending;
    size_t inflight_n;
    struct analytics_metrics metrics;
    int64_t next_sweep_ms;
};

static const struct herald_config_option config_map[] = {
    {HERALD_CONFIG_DOUBLE, "attribution_window_hours", "72", 0,
     offsetof(struct analytics_ctx, attribution_window_hours), NULL,
     "a reply without a known context is attributed to the latest campaign message accepted "
     "for that phone within this many hours"},
    {HERALD_CONFIG_INT, "reply_park_timeout_seconds", "600", 0,
     offsetof(struct analytics_ctx, reply_park_timeout_seconds), NULL,
     "how long a reply whose context.id is unknown waits before the window rule applies"},
    {HERALD_CONFIG_INT, "park_retry_ms", "500", 0, offsetof(struct analytics_ctx, park_retry_ms),
     NULL, "period of the sweep that retries parked statuses and replies"},
    {HERALD_CONFIG_INT, "park_retention_hours", "168", 0,
     offsetof(struct analytics_ctx, park_retention_hours), NULL,
     "parked statuses whose wamid never appears are dropped after this many hours"},
    {HERALD_CONFIG_STR, "opt_out_keywords", "STOP,STOPALL,UNSUBSCRIBE,STOP PROMOTIONS", 0,
     offsetof(struct analytics_ctx, opt_out_keywords), NULL,
     "comma-separated; a reply that is exactly one of them (case and outer spaces aside) opts "
     "its sender out of every later audience; \"\" = none"},
    {HERALD_CONFIG_STR, "opt_in_keywords", "START,UNSTOP", 0,
     offsetof(struct analytics_ctx, opt_in_keywords), NULL,
     "comma-separated; such a reply opts its sender back in; \"\" = none"},
    {0, NULL, NULL, 0, 0, NULL, NULL},
};

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void settings(const struct analytics_ctx *c, struct analytics_settings *s)
{
    s->attribution_window_hours = c->attribution_window_hours;
    s->reply_park_timeout_seconds = (double)c->reply_park_timeout_seconds;
    s->park_retention_hours = (double)c->park_retention_hours;
    s->stage_name = c->host->api->stage_name(c->host);
}

static void account(struct analytics_ctx *c, analytics_store_rc rc,
                    const struct analytics_apply_result *r, double ms, const char *err)
{
    const struct herald_host_api *a = c->host->api;
    if (rc == ANALYTICS_STORE_OK) {
        analytics_metrics_applied(&c->metrics, c->host, r, ms);
    } else {
        a->counter_add(c->metrics.batch_failures, 1);
        a->log(c->host, HERALD_LOG_WARN, "analytics transaction rolled back (%s): %s",
               rc == ANALYTICS_STORE_DATA ? "data refused" : "will retry", err);
    }
}

/* Apply c->single on the main connection (the worker must be idle); logs and counts a
 * failure. */
static analytics_store_rc apply(struct analytics_ctx *c, int sweep)
{
    const struct herald_host_api *a = c->host->api;
    PGconn *conn = a->pg_main(c->host);
    if (!conn)
        return ANALYTICS_STORE_TRANSIENT;
    struct analytics_settings s;
    struct analytics_apply_result r;
    char err[512];
    settings(c, &s);
    double t0 = wall_ms();
    analytics_store_rc rc =
        analytics_store_apply(&c->store, conn, &c->single, sweep, &s, &r, err, sizeof err);
    account(c, rc, &r, wall_ms() - t0, err);
    return rc;
}

static void complete(struct analytics_ctx *c, struct herald_message *m, analytics_store_rc rc,
                     const char *reason)
{
    const struct herald_host_api *a = c->host->api;
    if (rc == ANALYTICS_STORE_OK) {
        a->done(c->host, m, HERALD_OK);
        a->counter_add(c->metrics.messages, 1);
    } else if (rc == ANALYTICS_STORE_DATA) {
        a->done_reason(c->host, m, HERALD_ERROR, reason);
        a->counter_add(c->metrics.malformed, 1);
    } else {
        a->done(c->host, m, HERALD_RETRY);
    }
}

/* Encode msgs[i] into b; messages that need no database are completed here and left out
 * (pending[i] = 0). Returns how many remain pending. */
static size_t encode(struct analytics_ctx *c, struct analytics_batch *b,
                     struct herald_message **msgs, size_t n, unsigned char *pending)
{
    size_t left = 0;
    analytics_batch_reset(b);
    for (size_t i = 0; i < n; i++) {
        struct herald_message *m = msgs[i];
        char err[256] = "";
        analytics_verdict v = analytics_batch_add(b, m->topic, m->payload, m->len, m->timestamp_ms,
                                                  m->partition, m->offset, err, sizeof err);
        pending[i] = 0;
        if (v == ANALYTICS_V_ERROR) {
            c->host->api->log(c->host, HERALD_LOG_WARN, "%s [%s %d@%lld]", err, m->topic,
                              (int)m->partition, (long long)m->offset);
            complete(c, m, ANALYTICS_STORE_DATA, err);
        } else if (v == ANALYTICS_V_IGNORE) {
            complete(c, m, ANALYTICS_STORE_OK, NULL);
        } else {
            pending[i] = 1;
            left++;
        }
    }
    return left;
}

/* The batch was refused for its data: apply each message alone so only the bad one fails. */
static void isolate(struct analytics_ctx *c, struct herald_message **msgs, size_t n,
                    const unsigned char *pending)
{
    for (size_t i = 0; i < n; i++) {
        if (!pending[i])
            continue;
        unsigned char one = 0;
        if (encode(c, &c->single, &msgs[i], 1, &one) == 0)
            continue;
        analytics_store_rc rc = apply(c, 0);
        complete(c, msgs[i], rc, "refused by PostgreSQL (see the stage log)");
    }
}

/* Complete the messages of the batch the worker applied. wait: block until it is done. */
static void collect(struct analytics_ctx *c, int wait)
{
    analytics_store_rc rc;
    struct analytics_apply_result r;
    char err[512];
    double ms;
    if (!analytics_pipeline_collect(&c->pipeline, wait, &rc, &r, err, sizeof err, &ms))
        return;
    account(c, rc, &r, ms, err);
    if (rc == ANALYTICS_STORE_DATA) {
        isolate(c, c->inflight, c->inflight_n, c->inflight_pending);
    } else {
        for (size_t i = 0; i < c->inflight_n; i++)
            if (c->inflight_pending[i])
                complete(c, c->inflight[i], rc, NULL);
    }
    free(c->inflight);
    free(c->inflight_pending);
    c->inflight = NULL;
    c->inflight_pending = NULL;
    c->inflight_n = 0;
}

static void retry_all(struct analytics_ctx *c, struct herald_message **msgs, size_t n,
                      const unsigned char *pending)
{
    for (size_t i = 0; i < n; i++)
        if (!pending || pending[i])
            c->host->api->done(c->host, msgs[i], HERALD_RETRY);
}

static void cb_process(void *ctx, struct herald_message **msgs, size_t n)
{
    struct analytics_ctx *c = ctx;
    unsigned char *pending = calloc(n ? n : 1, 1);
    struct herald_message **copy = malloc((n ? n : 1) * sizeof *copy);
    if (!pending || !copy) {
        free(pending);
        free(copy);
        retry_all(c, msgs, n, NULL);
        return;
    }
    /* Encode while the worker is still folding the previous batch... */
    struct analytics_batch *b = &c->batches[c->encoding];
    size_t left = encode(c, b, msgs, n, pending);
    /* ...then complete that one, and hand this one over. */
    collect(c, 1);
    if (left == 0) {
        free(pending);
        free(copy);
        return;
    }
    memcpy(copy, msgs, n * sizeof *copy);
    c->inflight = copy;
    c->inflight_pending = pending;
    c->inflight_n = n;
    struct analytics_settings s;
    settings(c, &s);
    analytics_pipeline_submit(&c->pipeline, b, &s);
    c->encoding ^= 1;
}

static void cb_tick(void *ctx, int64_t now_ms)
{
    struct analytics_ctx *c = ctx;
    collect(c, 0);
    if (now_ms < c->next_sweep_ms)
        return;
    c->next_sweep_ms = now_ms + c->park_retry_ms;
    collect(c, 1); /* the sweep uses the main connection: the worker must be idle */
    analytics_batch_reset(&c->single);
    apply(c, 1);
}

static int cb_init(void *ctx, herald_host *host)
{
    struct analytics_ctx *c = ctx;
    c->host = host;
    if (c->attribution_window_hours <= 0 || c->reply_park_timeout_seconds < 0 ||
        c->park_retry_ms <= 0 || c->park_retention_hours <= 0) {
        host->api->log(host, HERALD_LOG_ERROR,
                       "analytics: attribution_window_hours, park_retry_ms and "
                       "park_retention_hours must be > 0, reply_park_timeout_seconds >= 0");
        return -1;
    }
    char err[256];
    if (analytics_opt_keywords_parse(&c->keywords, c->opt_out_keywords, c->opt_in_keywords, err,
                                     sizeof err) != 0) {
        host->api->log(host, HERALD_LOG_ERROR, "analytics: %s", err);
        return -1;
    }
    analytics_batch_init(&c->batches[0]);
    analytics_batch_init(&c->batches[1]);
    analytics_batch_init(&c->single);
    c->batches[0].keywords = c->batches[1].keywords = c->single.keywords = &c->keywords;
    analytics_metrics_init(&c->metrics, host);
    if (analytics_pipeline_start(&c->pipeline, host) != 0) {
        host->api->log(host, HERALD_LOG_ERROR, "analytics: cannot start the fold worker");
        analytics_batch_free(&c->batches[0]);
        analytics_batch_free(&c->batches[1]);
        analytics_batch_free(&c->single);
        return -1;
    }
    host->api->log(host, HERALD_LOG_INFO,
                   "analytics ready: attribution window %.1f h, reply park timeout %lld s, "
                   "%zu opt-out/opt-in keywords",
                   c->attribution_window_hours, (long long)c->reply_park_timeout_seconds,
                   c->keywords.n);
    return 0;
}

/* On a revoke, finish the batch in the worker so its messages are completed (and their offsets
 * committed) by this owner instead of being replayed by the next one. */
static void cb_assign(void *ctx, const struct herald_partition *parts, size_t n, int assigned)
{
    struct analytics_ctx *c = ctx;
    (void)parts;
    (void)n;
    if (!assigned)
        collect(c, 1);
}

static int cb_drain(void *ctx, int64_t now_ms)
{
    struct analytics_ctx *c = ctx;
    (void)now_ms;
    collect(c, 1); /* bounded by one batch's transaction */
    return 1;
}

static void cb_exit(void *ctx)
{
    struct analytics_ctx *c = ctx;
    collect(c, 1);
    analytics_pipeline_stop(&c->pipeline);
    analytics_batch_free(&c->batches[0]);
    analytics_batch_free(&c->batches[1]);
    analytics_batch_free(&c->single);
    analytics_opt_keywords_free(&c->keywords);
}

static const struct herald_plugin analytics_plugin = {
    .abi_version = HERALD_PLUGIN_ABI_VERSION,
    .name = "analytics",
    .description = "folds delivery events and replies into exact per-campaign statistics",
    .ctx_size = sizeof(struct analytics_ctx),
    .config_map = config_map,
    .cb_init = cb_init,
    .cb_process = cb_process,
    .cb_tick = cb_tick,
    .cb_assign = cb_assign,
    .cb_drain = cb_drain,
    .cb_exit = cb_exit,
};

HERALD_PLUGIN_EXPORT(analytics_plugin)
