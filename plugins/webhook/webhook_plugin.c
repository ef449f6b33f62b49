/*
 * webhook_plugin.c - registers the `webhook` plugin with the stage host: its options, and
 * the lifecycle that starts and stops the HTTP server (webhook_http.c).
 *
 * Why a plugin without consumed topics: the gateway only produces (delivery-events, replies);
 * the host still gives it the Kafka producer with acks, metrics, logging and shutdown. The
 * main thread's cb_tick enforces the ack timeout of waiting requests.
 */
#include "webhook_internal.h"

#include <stddef.h>
#include <string.h>

#define OPT(type, name, def, req, field, env, desc)                                                \
    {                                                                                              \
        type, name, def, req, offsetof(struct webhook_ctx, field), env, desc                       \
    }

static const struct herald_config_option webhook_config[] = {
    OPT(HERALD_CONFIG_STR, "listen", "127.0.0.1:8080", 0, listen, "HERALD_WEBHOOK_LISTEN",
        "host:port the webhook HTTP server binds"),
    OPT(HERALD_CONFIG_STR, "path", "/webhook", 0, path, NULL, "URL path Meta posts to"),
    OPT(HERALD_CONFIG_STR, "verify_token", "", 0, verify_token, "HERALD_VERIFY_TOKEN",
        "token expected in the GET handshake (empty refuses every handshake)"),
    OPT(HERALD_CONFIG_STR, "app_secret", NULL, 1, app_secret, "HERALD_APP_SECRET",
        "Meta app secret keying X-Hub-Signature-256 (set it through the environment)"),
    OPT(HERALD_CONFIG_INT, "max_body_bytes", "4194304", 0, max_body_bytes, NULL,
        "largest accepted POST body; Meta sends up to 3 MB (413 beyond)"),
    OPT(HERALD_CONFIG_INT, "connection_limit", "1024", 0, connection_limit, NULL,
        "concurrent HTTP connections"),
    OPT(HERALD_CONFIG_INT, "per_ip_connection_limit", "0", 0, per_ip_connection_limit, NULL,
        "concurrent connections from one client address (0 = no limit; Meta posts from many "
        "addresses, a reverse proxy from one)"),
    OPT(HERALD_CONFIG_INT, "threads", "2", 0, threads, NULL, "libmicrohttpd worker threads"),
    OPT(HERALD_CONFIG_STR, "event_loop", "poll", 0, event_loop, NULL,
        "how the HTTP workers wait for sockets: poll (default) or epoll; every POST is "
        "suspended until its acks, and with epoll that costs two epoll_ctl calls per request"),
    OPT(HERALD_CONFIG_INT, "ack_timeout_ms", "5000", 0, ack_timeout_ms, NULL,
        "answer 503 when Kafka has not acknowledged a POST's messages within this time"),
    OPT(HERALD_CONFIG_INT, "connection_timeout_s", "30", 0, connection_timeout_s, NULL,
        "idle HTTP connections are closed after this many seconds"),
    {0, NULL, NULL, 0, 0, NULL, NULL},
};

static void register_metrics(struct webhook_ctx *ctx)
{
    herald_host *h = ctx->host;
    const struct herald_host_api *a = ctx->api;
    struct webhook_metrics *m = &ctx->m;
    m->requests = a->counter(h, "requests_total", "HTTP requests received");
    m->accepted = a->counter(h, "accepted_total", "POSTs answered 200 after Kafka acks");
    m->rejected_signature =
        a->counter(h, "rejected_signature_total", "POSTs with a missing or wrong signature");
    m->rejected_payload =
        a->counter(h, "rejected_payload_total", "POSTs with invalid JSON or not a WABA change");
    m->rejected_oversize = a->counter(h, "rejected_oversize_total", "POSTs over max_body_bytes");
    m->unavailable = a->counter(h, "unavailable_total", "POSTs answered 503 (Meta redelivers)");
    m->ack_timeouts = a->counter(h, "ack_timeouts_total", "POSTs whose acks exceeded the timeout");
    m->produce_failures =
        a->counter(h, "produce_failures_total", "messages Kafka refused or failed to deliver");
    m->delivery_events = a->counter(h, "delivery_events_total", "statuses produced");
    m->replies = a->counter(h, "replies_total", "inbound messages produced");
    m->limit_updates = a->counter(h, "messaging_limit_updates_total",
                                  "messaging limits Meta announced, produced as commands");
    m->template_updates = a->counter(h, "template_status_updates_total",
                                     "template statuses Meta announced, produced as commands");
    m->number_updates =
        a->counter(h, "waba_number_updates_total",
                   "phone numbers' WABAs passed on as commands (webhook_numbers.h)");
    m->unknown_fields = a->counter(h, "unknown_fields_total", "unused keys in change values");
    m->unknown_changes = a->counter(h, "unknown_changes_total",
                                    "changes Herald does not use (no messages, no limit)");
    m->ignored_items =
        a->counter(h, "ignored_items_total", "statuses/messages/entries lacking required parts");
    m->verifications_ok = a->counter(h, "verifications_ok_total", "GET handshakes answered");
    m->verifications_refused =
        a->counter(h, "verifications_refused_total", "GET handshakes refused (403)");
    m->waiting_requests = a->gauge(h, "waiting_requests", "POSTs waiting for Kafka acks");
}

static int check_config(struct webhook_ctx *ctx)
{
    const char *bad = NULL;
    if (!ctx->app_secret || !*ctx->app_secret)
        bad = "app_secret must not be empty";
    else if (!ctx->path || ctx->path[0] != '/')
        bad = "path must start with '/'";
    else if (ctx->max_body_bytes < 1024 || ctx->max_body_bytes > (int64_t)1 << 30)
        bad = "max_body_bytes must be between 1024 and 1 GiB";
    else if (!ctx->event_loop ||
             (strcmp(ctx->event_loop, "poll") != 0 && strcmp(ctx->event_loop, "epoll") != 0))
        bad = "event_loop must be \"poll\" or \"epoll\"";
    else if (ctx->threads < 1 || ctx->threads > 256)
        bad = "threads must be between 1 and 256";
    else if (ctx->connection_limit < 1 || ctx->connection_limit > 100000)
        bad = "connection_limit must be between 1 and 100000";
    else if (ctx->ack_timeout_ms < 10)
        bad = "ack_timeout_ms must be at least 10";
    else if (ctx->connection_timeout_s < 1)
        bad = "connection_timeout_s must be at least 1";
    else if (ctx->per_ip_connection_limit < 0 || ctx->per_ip_connection_limit > 100000)
        bad = "per_ip_connection_limit must be between 0 (no limit) and 100000";
    if (bad)
        ctx->api->log(ctx->host, HERALD_LOG_ERROR, "webhook: %s", bad);
    return bad ? -1 : 0;
}

static int webhook_init(void *vctx, herald_host *host)
{
    struct webhook_ctx *ctx = vctx;
    ctx->host = host;
    ctx->api = host->api;
    if (check_config(ctx) != 0)
        return -1;
    if (!ctx->verify_token || !*ctx->verify_token)
        ctx->api->log(host, HERALD_LOG_WARN,
                      "webhook: verify_token is empty; GET verification will answer 403");
    pthread_mutex_init(&ctx->lock, NULL);
    register_metrics(ctx);
    if (webhook_http_start(ctx) != 0) {
        pthread_mutex_destroy(&ctx->lock);
        return -1;
    }
    return 0;
}

static void webhook_tick(void *vctx, int64_t now_ms)
{
    webhook_http_expire(vctx, now_ms);
}

/* Done when no POST is still waiting for acks; new POSTs already get 503 (host stopping). */
static int webhook_drain(void *vctx, int64_t now_ms)
{
    webhook_http_expire(vctx, now_ms);
    return webhook_http_waiting(vctx) == 0;
}

static void webhook_exit(void *vctx)
{
    struct webhook_ctx *ctx = vctx;
    if (!ctx->daemon) /* init failed or never ran */
        return;
    webhook_http_stop(ctx);
    pthread_mutex_destroy(&ctx->lock);
}

static const struct herald_plugin webhook_plugin = {
    .abi_version = HERALD_PLUGIN_ABI_VERSION,
    .name = "webhook",
    .description = "WhatsApp Cloud API webhook: verify, sign-check, produce delivery-events "
                   "and replies, answer 200 only after Kafka acks",
    .ctx_size = sizeof(struct webhook_ctx),
    .config_map = webhook_config,
    .cb_init = webhook_init,
    .cb_tick = webhook_tick,
    .cb_drain = webhook_drain,
    .cb_exit = webhook_exit,
};

HERALD_PLUGIN_EXPORT(webhook_plugin)
