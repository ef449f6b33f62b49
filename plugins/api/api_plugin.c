/*
 * api_plugin.c - registers the control `api` plugin with the stage host: options, metrics,
 * and the order in which its parts start and stop.
 *
 * Why a plugin: the control API needs exactly what the host gives every stage (a Kafka
 * producer with acknowledgements, PostgreSQL connections, logging, metrics, signals), and it
 * runs in the gateway stage next to the webhook plugin. It consumes no topics.
 */
#include "api_db.h"
#include "api_internal.h"
#include "api_progress_hub.h"

#include <dlfcn.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT(type, name, def, req, field, env, desc)                                                \
    {                                                                                              \
        type, name, def, req, offsetof(struct api_ctx, field), env, desc                           \
    }

static const struct herald_config_option api_config[] = {
    OPT(HERALD_CONFIG_STR, "listen", "127.0.0.1:8081", 0, listen, "HERALD_API_LISTEN",
        "host:port the control API binds"),
    OPT(HERALD_CONFIG_STR, "api_token", NULL, 1, api_token, "HERALD_API_TOKEN",
        "bearer token required on every /api call (set it through the environment)"),
    OPT(HERALD_CONFIG_STR, "static_dir", "", 0, static_dir, "HERALD_STATIC_DIR",
        "folder served at / (the dashboard); relative: working directory, else the source "
        "tree; empty = no static files"),
    OPT(HERALD_CONFIG_INT, "max_body_bytes", "1048576", 0, max_body_bytes, NULL,
        "largest JSON request body"),
    OPT(HERALD_CONFIG_INT, "import_max_bytes", "67108864", 0, import_max_bytes, NULL,
        "largest CSV body for POST /api/contacts/import"),
    OPT(HERALD_CONFIG_INT, "connection_limit", "256", 0, connection_limit, NULL,
        "concurrent connections (one thread each, SSE streams included)"),
    OPT(HERALD_CONFIG_INT, "per_ip_connection_limit", "0", 0, per_ip_connection_limit, NULL,
        "concurrent connections from one client address (0 = no limit; behind a reverse proxy "
        "every client has the proxy's address)"),
    OPT(HERALD_CONFIG_INT, "connection_timeout_s", "60", 0, connection_timeout_s, NULL,
        "idle connections are closed after this many seconds (must exceed sse_keepalive_ms)"),
    OPT(HERALD_CONFIG_INT, "db_pool_size", "4", 0, db_pool_size, NULL,
        "PostgreSQL connections shared by request threads"),
    OPT(HERALD_CONFIG_INT, "ack_timeout_ms", "5000", 0, ack_timeout_ms, NULL,
        "answer 503 when Kafka has not acknowledged a command within this time"),
    OPT(HERALD_CONFIG_INT, "progress_poll_ms", "250", 0, progress_poll_ms, NULL,
        "how often the single progress poller reads campaign_progress for SSE watchers"),
    OPT(HERALD_CONFIG_INT, "sse_keepalive_ms", "15000", 0, sse_keepalive_ms, NULL,
        "idle SSE streams get a comment line this often"),
    {0, NULL, NULL, 0, 0, NULL, NULL},
};

static void register_metrics(struct api_ctx *ctx)
{
    herald_host *h = ctx->host;
    const struct herald_host_api *a = ctx->api;
    ctx->m.requests = a->counter(h, "requests_total", "HTTP requests received");
    ctx->m.errors_4xx = a->counter(h, "client_errors_total", "requests answered 4xx");
    ctx->m.errors_5xx = a->counter(h, "server_errors_total", "requests answered 5xx");
    ctx->m.unauthorized = a->counter(h, "unauthorized_total", "requests without a valid token");
    ctx->m.commands = a->counter(h, "commands_total", "commands produced to campaign-commands");
    ctx->m.command_failures =
        a->counter(h, "command_failures_total", "commands Kafka did not acknowledge in time");
    ctx->m.progress_polls =
        a->counter(h, "progress_polls_total", "campaign_progress queries by the SSE poller");
    ctx->m.sse_watchers = a->gauge(h, "sse_watchers", "open progress streams");
}

static int check_config(struct api_ctx *ctx)
{
    const char *bad = NULL;
    if (api_auth_init(&ctx->auth, ctx->api_token) != 0)
        bad = "api_token must not be empty";
    else if (ctx->max_body_bytes < 1024 || ctx->max_body_bytes > (int64_t)1 << 30)
        bad = "max_body_bytes must be between 1024 and 1 GiB";
    else if (ctx->import_max_bytes < 1024 || ctx->import_max_bytes > (int64_t)1 << 31)
        bad = "import_max_bytes must be between 1024 and 2 GiB";
    else if (ctx->connection_limit < 1 || ctx->connection_limit > 10000)
        bad = "connection_limit must be between 1 and 10000";
    else if (ctx->db_pool_size < 1 || ctx->db_pool_size > 64)
        bad = "db_pool_size must be between 1 and 64";
    else if (ctx->ack_timeout_ms < 10)
        bad = "ack_timeout_ms must be at least 10";
    else if (ctx->progress_poll_ms < 50 || ctx->progress_poll_ms > 10000)
        bad = "progress_poll_ms must be between 50 and 10000";
    else if (ctx->sse_keepalive_ms < 1000)
        bad = "sse_keepalive_ms must be at least 1000";
    else if (ctx->per_ip_connection_limit < 0 || ctx->per_ip_connection_limit > 10000)
        bad = "per_ip_connection_limit must be between 0 (no limit) and 10000";
    else if (ctx->connection_timeout_s < 1 || ctx->connection_timeout_s > 86400)
        bad = "connection_timeout_s must be between 1 and 86400";
    else if (ctx->connection_timeout_s * 1000 <= ctx->sse_keepalive_ms)
        bad = "connection_timeout_s must exceed sse_keepalive_ms, or idle SSE streams are cut";
    if (bad)
        ctx->api->log(ctx->host, HERALD_LOG_ERROR, "api: %s", bad);
    return bad ? -1 : 0;
}

/* `dir` under the share/herald/ of an installed tree (cmake --install puts this plugin in
 * P/lib/herald/ and the dashboard in P/share/herald/web/dashboard), or NULL. */
static char *installed_beside_plugin(const char *dir)
{
    Dl_info info;
    if (!dladdr((void *)&installed_beside_plugin, &info) || !info.dli_fname)
        return NULL;
    char so_dir[PATH_MAX], path[PATH_MAX + 64];
    snprintf(so_dir, sizeof(so_dir), "%s", info.dli_fname);
    char *slash = strrchr(so_dir, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    int n = snprintf(path, sizeof(path), "%s/../../share/herald/%s", so_dir, dir);
    return n > 0 && (size_t)n < sizeof(path) ? realpath(path, NULL) : NULL;
}

/* A relative static_dir ("web/dashboard", as in config/gateway.conf) is looked up in the
 * working directory first, then in the installed tree this plugin belongs to, then in the
 * source tree the plugin was built from, so a stage started from anywhere (tests run in a
 * temporary directory, an installed gateway from /) still finds the dashboard. */
static char *find_static_root(const char *dir)
{
    char *root = realpath(dir, NULL);
    if (!root && dir[0] != '/')
        root = installed_beside_plugin(dir);
#ifdef HERALD_API_SOURCE_DIR
    if (!root && dir[0] != '/') {
        char in_source[PATH_MAX];
        int n = snprintf(in_source, sizeof(in_source), "%s/%s", HERALD_API_SOURCE_DIR, dir);
        if (n > 0 && (size_t)n < sizeof(in_source))
            root = realpath(in_source, NULL);
    }
#endif
    return root;
}

static int resolve_static_dir(struct api_ctx *ctx)
{
    if (!ctx->static_dir || !*ctx->static_dir)
        return 0;
    ctx->static_root = find_static_root(ctx->static_dir);
    if (!ctx->static_root) {
        ctx->api->log(ctx->host, HERALD_LOG_ERROR, "api: static_dir %s does not exist",
                      ctx->static_dir);
        return -1;
    }
    return 0;
}

static void release_all(struct api_ctx *ctx)
{
    if (ctx->hub)
        progress_hub_shutdown(ctx->hub); /* ends SSE streams so MHD threads can finish */
    api_http_stop(ctx);
    if (ctx->waiters_ready)
        api_produce_release_all(ctx);
    progress_hub_free(ctx->hub);
    ctx->hub = NULL;
    api_db_pool_free(ctx->db);
    ctx->db = NULL;
    free(ctx->static_root);
    ctx->static_root = NULL;
    if (ctx->waiters_ready) {
        pthread_mutex_destroy(&ctx->waiters_lock);
        ctx->waiters_ready = 0;
    }
}

static int api_init(void *vctx, herald_host *host)
{
    struct api_ctx *ctx = vctx;
    ctx->host = host;
    ctx->api = host->api;
    if (check_config(ctx) != 0 || resolve_static_dir(ctx) != 0)
        return -1;
    register_metrics(ctx);
    pthread_mutex_init(&ctx->waiters_lock, NULL);
    ctx->waiters_ready = 1;
    ctx->db = api_db_pool_new(host, (int)ctx->db_pool_size);
    ctx->hub = ctx->db ? progress_hub_start(ctx) : NULL;
    if (!ctx->hub || api_http_start(ctx) != 0) {
        release_all(ctx);
        return -1;
    }
    return 0;
}

static void api_exit(void *vctx)
{
    struct api_ctx *ctx = vctx;
    if (ctx->api)
        release_all(ctx);
}

static const struct herald_plugin api_plugin = {
    .abi_version = HERALD_PLUGIN_ABI_VERSION,
    .name = "api",
    .description = "control API: campaign commands to campaign-commands, reads from "
                   "PostgreSQL, live progress over SSE, dashboard files",
    .ctx_size = sizeof(struct api_ctx),
    .config_map = api_config,
    .cb_init = api_init,
    .cb_exit = api_exit,
};

HERALD_PLUGIN_EXPORT(api_plugin)
