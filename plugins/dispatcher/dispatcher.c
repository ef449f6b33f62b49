/*
 * dispatcher.c - registers the `dispatcher` plugin: its options (config_map), metrics and
 * the host callbacks. The work itself is in dispatcher_flow.c and the files it names.
 *
 * Why jobs are completed late: a job's Kafka offset is committed only after done(), which
 * comes after its outcome is durable in PostgreSQL and its event acknowledged by Kafka. Every
 * job held in memory (rate limiter, retry queue, held number) is therefore redelivered after
 * a crash, and the row's state in PostgreSQL says what already happened to it.
 */
#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dispatcher_claim_policy.h"
#include "dispatcher_http.h"
#include "dispatcher_internal.h"
#include "dispatcher_pg_worker.h"

/* work due within this many ms is waited for in the tick instead of the next host tick */
#define WAKE_HORIZON_MS 50

#define OPT(type, name, def, req, field, env, desc)                                                \
    {                                                                                              \
        type, name, def, req, offsetof(struct disp_ctx, field), env, desc                          \
    }

static const struct herald_config_option disp_config[] = {
    OPT(HERALD_CONFIG_STR, "api_base_url", "http://127.0.0.1:9180", 0, api_base_url,
        "HERALD_WA_API_BASE_URL", "Cloud API base URL (https://graph.facebook.com in production)"),
    OPT(HERALD_CONFIG_STR, "api_version", "v23.0", 0, api_version, NULL,
        "Graph API version in the request path"),
    OPT(HERALD_CONFIG_STR, "access_token", NULL, 1, access_token, "HERALD_WA_TOKEN",
        "Cloud API access token (set it through the environment)"),
    OPT(HERALD_CONFIG_DOUBLE, "rate_per_second", "80", 0, rate_per_second, NULL,
        "messages per second per business phone number, all instances together"),
    OPT(HERALD_CONFIG_STR, "rate_overrides", "", 0, rate_overrides, NULL,
        "per-number rates: \"<phone_number_id>=<msg/s>,...\""),
    OPT(HERALD_CONFIG_DOUBLE, "rate_safety", "0.995", 0, rate_safety, NULL,
        "fraction of the rate actually used, a margin for clock and network jitter"),
    OPT(HERALD_CONFIG_INT, "max_concurrency", "256", 0, max_concurrency, NULL,
        "claims open at once: claiming + in flight + resolving (bounds a crash's leftovers)"),
    OPT(HERALD_CONFIG_INT, "claim_ahead_ms", "500", 0, claim_ahead_ms, NULL,
        "traffic claimed ahead of the send window per number (rides out slow commits)"),
    OPT(HERALD_CONFIG_INT, "http_connections", "0", 0, http_connections, NULL,
        "HTTP connections to the API (0 = max_concurrency); more requests wait in libcurl"),
    OPT(HERALD_CONFIG_INT, "request_timeout_ms", "10000", 0, request_timeout_ms, NULL,
        "whole-request timeout; a timeout after sending is an uncertain outcome"),
    OPT(HERALD_CONFIG_INT, "connect_timeout_ms", "3000", 0, connect_timeout_ms, NULL,
        "TCP/TLS connect timeout (a connect failure is safe to retry)"),
    OPT(HERALD_CONFIG_INT, "max_attempts", "6", 0, max_attempts, NULL,
        "attempts per recipient before it is marked failed"),
    OPT(HERALD_CONFIG_INT, "backoff_initial_ms", "200", 0, backoff_initial_ms, NULL,
        "first retry delay (doubles per attempt, equal jitter)"),
    OPT(HERALD_CONFIG_INT, "backoff_max_ms", "30000", 0, backoff_max_ms, NULL,
        "longest retry delay"),
    OPT(HERALD_CONFIG_INT, "pair_interval_ms", "6000", 0, pair_interval_ms, NULL,
        "minimum interval between two messages to the same recipient"),
    OPT(HERALD_CONFIG_BOOL, "resend_uncertain", "false", 0, resend_uncertain, NULL,
        "resend recipients whose request may have been in flight at a crash (duplicates!)"),
    OPT(HERALD_CONFIG_BOOL, "retry_ambiguous", "false", 0, retry_ambiguous, NULL,
        "retry timeouts/resets after the request was sent instead of marking uncertain"),
    OPT(HERALD_CONFIG_INT, "stale_claim_ms", "60000", 0, stale_claim_ms, NULL,
        "a claim of another instance older than this is treated as a crash leftover"),
    OPT(HERALD_CONFIG_INT, "number_recheck_ms", "30000", 0, number_recheck_ms, NULL,
        "how often a stopped number (token/policy error) is probed with one job"),
    OPT(HERALD_CONFIG_INT, "campaign_refresh_ms", "200", 0, campaign_refresh_ms, NULL,
        "campaign status/cap cache refresh period"),
    OPT(HERALD_CONFIG_INT, "http_budget_ms", "4", 0, http_budget_ms, NULL,
        "time per tick spent driving HTTP transfers"),
    OPT(HERALD_CONFIG_INT, "claim_batch", "500", 0, claim_batch, NULL,
        "recipients claimed per PostgreSQL statement"),
    OPT(HERALD_CONFIG_INT, "batch_interval_ms", "20", 0, batch_interval_ms, NULL,
        "claims and outcomes are written at most this often unless claim_batch are ready"),
    OPT(HERALD_CONFIG_STR, "jobs_topic", "jobs", 0, jobs_topic, NULL,
        "logical topic whose partition share sizes this instance's rate"),
    OPT(HERALD_CONFIG_STR, "events_topic", "delivery-events", 0, events_topic, NULL,
        "logical topic for accepted/failed events"),
    {0, NULL, NULL, 0, 0, NULL, NULL},
};

static void register_metrics(struct disp_ctx *c)
{
    herald_host *h = c->host;
    const struct herald_host_api *a = c->api;
    struct disp_metrics *m = &c->m;
    m->sent = a->counter(h, "sent", "recipients accepted by the Cloud API (wamid received)");
    m->failed = a->counter(h, "failed", "recipients marked failed (permanent or attempts spent)");
    m->retried = a->counter(h, "retried", "attempts scheduled for retry");
    m->uncertain = a->counter(h, "uncertain", "recipients whose send outcome is unknown");
    m->throttled = a->counter(h, "throttled", "throughput errors from the API");
    m->skipped_not_running =
        a->counter(h, "skipped_not_running",
                   "jobs completed unsent: campaign not running or outside its send window");
    m->duplicates = a->counter(h, "duplicate_jobs", "jobs already held by this instance");
    m->reproduced = a->counter(h, "reproduced_events", "events re-produced for redelivered jobs");
    m->claim_waits = a->counter(h, "claim_waits", "jobs handed back: claimed by another instance");
    m->opted_out = a->counter(h, "skipped_opted_out",
                              "recipients failed unsent: contact opted out after the snapshot");
    m->invalid_jobs = a->counter(h, "invalid_jobs", "malformed jobs refused");
    m->campaigns_stopped = a->counter(h, "campaigns_stopped",
                                      "campaigns set failed: template rejected (132000, 132001)");
    m->campaigns_paused =
        a->counter(h, "campaigns_paused", "campaigns paused: template paused by Meta (132015)");
    m->pg_errors = a->counter(h, "pg_errors", "failed PostgreSQL statements");
    m->http_requests = a->counter(h, "http_requests", "requests sent to the Cloud API");
    m->in_flight = a->gauge(h, "in_flight", "requests in flight");
    m->queued = a->gauge(h, "queued", "jobs waiting for a token");
    m->delayed = a->gauge(h, "delayed", "jobs waiting for a retry or the pair interval");
    m->rate = a->gauge(h, "rate_per_second", "current send rate of this instance, all numbers");
    m->number_blocked = a->gauge(h, "number_blocked", "numbers stopped by token/policy errors");
    m->share = a->gauge(h, "rate_share", "owned/total partitions of jobs");
    m->window_peak = a->gauge(h, "send_window_peak",
                              "most requests sent in any 1000 ms to one number (send times)");
    m->cap_window_peak =
        a->gauge(h, "campaign_send_window_peak",
                 "most requests of one capped campaign sent in any 1000 ms (send times)");
}

static int check_config(struct disp_ctx *c)
{
    const char *bad = NULL;
    if (!c->access_token || !c->access_token[0])
        bad = "access_token must not be empty (env HERALD_WA_TOKEN)";
    else if (c->rate_per_second <= 0)
        bad = "rate_per_second must be > 0";
    else if (c->rate_safety <= 0 || c->rate_safety > 1)
        bad = "rate_safety must be in (0, 1]";
    else if (c->max_concurrency < 1 || c->max_attempts < 1 || c->claim_batch < 1 ||
             c->batch_interval_ms < 0)
        bad = "max_concurrency, max_attempts and claim_batch must be >= 1";
    else if (c->request_timeout_ms < 1 || c->connect_timeout_ms < 1)
        bad = "timeouts must be >= 1 ms";
    else if (strncmp(c->api_base_url, "http://", 7) != 0 &&
             strncmp(c->api_base_url, "https://", 8) != 0)
        bad = "api_base_url must start with http:// or https://";
    if (bad)
        c->api->log(c->host, HERALD_LOG_ERROR, "dispatcher config: %s", bad);
    return bad ? -1 : 0;
}

static int disp_init(void *ctx, herald_host *host)
{
    struct disp_ctx *c = ctx;
    char err[256];
    c->host = host;
    c->api = host->api;
    if (check_config(c) != 0)
        return -1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        c->api->log(host, HERALD_LOG_ERROR, "curl_global_init failed");
        return -1;
    }
    disp_claimer_id(c->api->stage_name(host), (long)getpid(), disp_wall_ms(), c->claimer,
                    sizeof(c->claimer));
    srand((unsigned)(disp_wall_ms() ^ getpid()));
    c->share = 1.0;
    struct disp_http_config hc = {
        c->access_token, (long)c->request_timeout_ms, (long)c->connect_timeout_ms,
        (long)(c->http_connections > 0 ? c->http_connections : c->max_concurrency)};
    c->http = disp_http_new(&hc, err, sizeof(err));
    c->pairs = pair_limiter_new(c->pair_interval_ms);
    if (!c->http || !c->pairs || disp_index_init(&c->held, 16384) != 0) { /* it grows */
        c->api->log(host, HERALD_LOG_ERROR, "dispatcher init: %s", c->http ? "out of memory" : err);
        return -1;
    }
    if (!(c->pg = disp_pg_worker_start(host, c->api))) {
        c->api->log(host, HERALD_LOG_ERROR, "dispatcher init: cannot start the PostgreSQL worker");
        return -1;
    }
    register_metrics(c);
    c->api->log(host, HERALD_LOG_INFO,
                "dispatcher %s -> %s/%s, %.1f msg/s per number, concurrency %lld, "
                "max_attempts %lld, resend_uncertain %d",
                c->claimer, c->api_base_url, c->api_version, c->rate_per_second,
                (long long)c->max_concurrency, (long long)c->max_attempts, c->resend_uncertain);
    return 0;
}

/* Files one consumed job, or completes it at once. */
static void intake(struct disp_ctx *c, struct herald_message *msg, int64_t now_ms)
{
    char err[256];
    struct disp_entry *e = calloc(1, sizeof(*e));
    if (!e) {
        c->api->done_reason(c->host, msg, HERALD_RETRY, "out of memory");
        return;
    }
    e->msg = msg;
    if (disp_job_parse(msg->payload, msg->len, &e->job, err, sizeof(err)) != 0) {
        c->api->counter_add(c->m.invalid_jobs, 1);
        c->api->log(c->host, HERALD_LOG_WARN, "invalid job at %s/%d@%lld: %s", msg->topic,
                    (int)msg->partition, (long long)msg->offset, err);
        c->api->done_reason(c->host, msg, HERALD_ERROR, err);
        free(e);
        return;
    }
    if (disp_held_find(c, e->job.campaign_id, e->job.recipient_id)) {
        c->api->counter_add(c->m.duplicates, 1);
        disp_complete(c, e, HERALD_OK, NULL); /* not in the index: removal is a no-op */
        return;
    }
    disp_held_add(c, e);
    struct disp_campaign *k = disp_campaign_get(c, e->job.campaign_id, now_ms);
    if (k && k->loaded && !k->running &&
        msg->timestamp_ms >= c->campaigns_refreshed_wall_ms - 100) {
        /* produced after our last look (a resume re-emits at once): look again before
         * skipping it, or a job of a just-resumed campaign would be dropped */
        disp_campaigns_refresh(c, now_ms, 1);
    }
    if (!k || !k->loaded) {
        disp_complete(c, e, HERALD_RETRY, "campaign status unknown (database unavailable?)");
    } else if (!(e->num = disp_number_get(c, e->job.phone_number_id))) {
        disp_complete(c, e, HERALD_RETRY, "out of memory");
    } else if (!k->running) {
        disp_claims_inspect(c, e); /* completed unsent once its row is looked at */
    } else {
        disp_lane_push(c, e, 0); /* the campaign's cap comes from `campaigns` (cache) */
    }
}

/*
 * The host ticks every tick_ms (up to 100 ms), too coarse for sends paced at milliseconds. So
 * while there is work due soon, the tick naps until it is due (at most http_budget_ms, on the
 * HTTP sockets when requests are in flight) and asks the host for the next tick at once.
 */
static void keep_going(struct disp_ctx *c)
{
    int64_t now = c->api->now_ms();
    int64_t wait = disp_next_work_ms(c, now);
    if (wait < 0 || wait > WAKE_HORIZON_MS)
        return;
    if (c->n_in_flight == 0) { /* nothing to poll on: nap, at least 1 ms, so we never spin */
        int64_t nap = wait < 1 ? 1 : wait;
        if (nap > c->http_budget_ms)
            nap = c->http_budget_ms;
        struct timespec ts = {0, (long)nap * 1000000L};
        nanosleep(&ts, NULL);
    }
    c->api->wakeup(c->host);
}

static void disp_process(void *ctx, struct herald_message **msgs, size_t n)
{
    struct disp_ctx *c = ctx;
    int64_t now = c->api->now_ms();
    for (size_t i = 0; i < n; i++) {
        if (c->draining)
            c->api->done(c->host, msgs[i], HERALD_RETRY);
        else
            intake(c, msgs[i], now);
    }
    disp_pump(c, c->api->now_ms(), 0);
    keep_going(c);
}

static void disp_tick(void *ctx, int64_t now_ms)
{
    struct disp_ctx *c = ctx;
    disp_pump(c, now_ms, c->http_budget_ms);
    keep_going(c);
}

struct revoked {
    const struct herald_partition *parts;
    size_t n;
    const char *topic;
};

static int in_revoked(struct disp_entry *e, void *arg)
{
    const struct revoked *r = arg;
    if (!r)
        return 1;
    for (size_t i = 0; i < r->n; i++)
        if (r->parts[i].partition == e->msg->partition &&
            strcmp(r->parts[i].topic, e->msg->topic) == 0)
            return 1;
    return 0;
}

static void hand_back(struct disp_ctx *c, struct disp_entry *e)
{
    disp_complete(c, e, HERALD_RETRY, "handed back (rebalance or shutdown)");
}

static int keep_delayed(void *item, void *arg)
{
    return !in_revoked(item, ((void **)arg)[1]);
}

static void drop_delayed(void *item, void *arg)
{
    hand_back(((void **)arg)[0], item);
}

/* Unclaimed work of the given partitions (all when r is NULL) goes back to the host. */
static void hand_back_unclaimed(struct disp_ctx *c, struct revoked *r)
{
    void *args[2] = {c, r};
    disp_lanes_filter(c, in_revoked, hand_back, r);
    disp_delay_filter(&c->delayed, keep_delayed, drop_delayed, args);
}

static void apply_share(struct disp_ctx *c)
{
    int owned = 0, total = 0;
    c->api->partition_share(c->host, c->jobs_topic, &owned, &total);
    if (owned > 0 && total > 0)
        c->share = (double)owned / (double)total;
    int64_t now = c->api->now_ms();
    disp_numbers_apply_rates(c, now);
    for (struct disp_campaign *k = c->campaigns; k; k = k->next)
        disp_campaign_set_cap_rate(c, k, now);
    c->api->gauge_set(c->m.share, c->share);
    c->api->log(c->host, HERALD_LOG_INFO, "owning %d of %d %s partitions: rate share %.3f", owned,
                total, c->jobs_topic, c->share);
}

static void disp_assign(void *ctx, const struct herald_partition *parts, size_t n, int assigned)
{
    struct disp_ctx *c = ctx;
    if (!assigned) {
        struct revoked r = {parts, n, c->jobs_topic};
        hand_back_unclaimed(c, &r);
    }
    apply_share(c);
}

static int disp_drain(void *ctx, int64_t now_ms)
{
    struct disp_ctx *c = ctx;
    if (!c->draining) {
        c->draining = 1;
        hand_back_unclaimed(c, NULL);
        c->api->log(c->host, HERALD_LOG_INFO, "draining: %zu requests in flight", c->n_in_flight);
    }
    disp_pump(c, now_ms, c->http_budget_ms);
    return c->n_in_flight == 0 && c->n_claiming == 0 && c->to_resolve == NULL &&
           c->to_claim == NULL && disp_pg_pending(c->pg) == 0;
}

static void disp_exit(void *ctx)
{
    struct disp_ctx *c = ctx;
    disp_http_free(c->http); /* aborts transfers still running after the drain deadline */
    c->http = NULL;
    disp_pg_worker_stop(c->pg); /* statements still queued are dropped: their jobs redeliver */
    c->pg = NULL;
    for (struct disp_index_node *n = disp_index_take_all(&c->held), *next; n; n = next) {
        struct disp_entry *e = disp_held_entry(n);
        next = disp_index_next(n);
        disp_job_free(&e->job);
        free(e);
    }
    disp_index_free(&c->held);
    disp_delay_free(&c->delayed);
    disp_numbers_free(c);
    disp_campaigns_free(c);
    pair_limiter_free(c->pairs);
    curl_global_cleanup();
}

static const struct herald_plugin disp_plugin = {
    .abi_version = HERALD_PLUGIN_ABI_VERSION,
    .name = "dispatcher",
    .description = "sends jobs to the WhatsApp Cloud API: claim, rate limit, retry, resolve",
    .ctx_size = sizeof(struct disp_ctx),
    .config_map = disp_config,
    .cb_init = disp_init,
    .cb_process = disp_process,
    .cb_tick = disp_tick,
    .cb_assign = disp_assign,
    .cb_drain = disp_drain,
    .cb_exit = disp_exit,
};

HERALD_PLUGIN_EXPORT(disp_plugin)
