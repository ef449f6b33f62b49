/*
 * echo_plugin.c - the host's test plugin: copies every consumed message to `output`.
 *
 * Why: the integration tests prove the host's guarantees (at-least-once across SIGTERM and
 * kill -9, rebalancing, retries, dead letters) with a plugin whose only behaviour is to
 * forward, so any loss or duplicate is the host's doing. Knobs, all driven by payload text:
 *   retry_marker  payloads containing it answer HERALD_RETRY until attempt > retry_times
 *   error_marker  payloads containing it answer HERALD_ERROR (dead letter)
 *   delay_ms      complete messages asynchronously from cb_tick after this delay
 *   pg_table      also INSERT (topic, partition, offset, payload) into this table before
 *                 completing, proving "done only once durable" with PostgreSQL
 */
#include <herald/plugin.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pending {
    struct herald_message *msg;
    int64_t due_ms;
};

struct echo_ctx {
    char *output;
    char *retry_marker;
    int64_t retry_times;
    char *error_marker;
    int64_t delay_ms;
    char *pg_table;

    herald_host *host;
    const struct herald_host_api *api;
    herald_counter *forwarded, *retried, *failed, *assigned;
    struct pending *pending;
    size_t n_pending, cap_pending;
    char *insert_sql;
};

#define OPT(type, name, def, req, field, desc)                                                     \
    {                                                                                              \
        type, name, def, req, offsetof(struct echo_ctx, field), NULL, desc                         \
    }

static const struct herald_config_option echo_config[] = {
    OPT(HERALD_CONFIG_STR, "output", NULL, 1, output, "logical topic every message is copied to"),
    OPT(HERALD_CONFIG_STR, "retry_marker", "", 0, retry_marker,
        "payloads containing this text are retried"),
    OPT(HERALD_CONFIG_INT, "retry_times", "2", 0, retry_times,
        "how many times a retry_marker payload answers HERALD_RETRY"),
    OPT(HERALD_CONFIG_STR, "error_marker", "", 0, error_marker,
        "payloads containing this text fail with HERALD_ERROR"),
    OPT(HERALD_CONFIG_INT, "delay_ms", "0", 0, delay_ms,
        "complete each message this long after receiving it (from cb_tick)"),
    OPT(HERALD_CONFIG_STR, "pg_table", "", 0, pg_table,
        "if set, insert every message into this table before completing it"),
    {0, NULL, NULL, 0, 0, NULL, NULL},
};

static int prepare_table(struct echo_ctx *c)
{
    PGconn *conn = c->api->pg_main(c->host);
    if (!conn) {
        c->api->log(c->host, HERALD_LOG_ERROR, "pg_table set but PostgreSQL is unreachable");
        return -1;
    }
    char *ident = PQescapeIdentifier(conn, c->pg_table, strlen(c->pg_table));
    size_t len = strlen(ident) * 2 + 256;
    char *ddl = malloc(len);
    snprintf(ddl, len,
             "CREATE TABLE IF NOT EXISTS %s (topic text, kpartition int, koffset bigint, "
             "payload text, PRIMARY KEY (topic, kpartition, koffset))",
             ident);
    c->insert_sql = malloc(len);
    snprintf(c->insert_sql, len,
             "INSERT INTO %s (topic, kpartition, koffset, payload) VALUES ($1, $2, $3, $4) "
             "ON CONFLICT DO NOTHING",
             ident);
    PQfreemem(ident);
    void *r = c->api->pg_exec(c->host, ddl, 0, NULL);
    free(ddl);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

static int echo_init(void *ctx, herald_host *host)
{
    struct echo_ctx *c = ctx;
    c->host = host;
    c->api = host->api;
    c->forwarded = c->api->counter(host, "forwarded_total", "messages copied to output");
    c->retried = c->api->counter(host, "retried_total", "HERALD_RETRY answers");
    c->failed = c->api->counter(host, "failed_total", "HERALD_ERROR answers");
    c->assigned = c->api->gauge(host, "partitions_owned", "partitions currently assigned");
    if (c->pg_table[0] && prepare_table(c))
        return -1;
    c->api->log(host, HERALD_LOG_INFO, "echo -> %s", c->output);
    return 0;
}

static int persist(struct echo_ctx *c, struct herald_message *m)
{
    if (!c->pg_table[0])
        return 0;
    char part[16], off[24];
    snprintf(part, sizeof part, "%d", (int)m->partition);
    snprintf(off, sizeof off, "%lld", (long long)m->offset);
    const char *params[4] = {m->topic, part, off, m->payload};
    void *r = c->api->pg_exec(c->host, c->insert_sql, 4, params);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

static void complete(struct echo_ctx *c, struct herald_message *m)
{
    if (c->error_marker[0] && strstr(m->payload, c->error_marker)) {
        c->api->counter_add(c->failed, 1);
        c->api->done_reason(c->host, m, HERALD_ERROR, "echo: payload carries the error marker");
        return;
    }
    if (c->retry_marker[0] && strstr(m->payload, c->retry_marker) && m->attempt <= c->retry_times) {
        c->api->counter_add(c->retried, 1);
        c->api->done_reason(c->host, m, HERALD_RETRY, "echo: retry marker");
        return;
    }
    if (persist(c, m)) {
        c->api->done_reason(c->host, m, HERALD_RETRY, "echo: database unavailable");
        return;
    }
    if (c->api->produce(c->host, c->output, m->key, m->key_len, m->payload, m->len, m, NULL,
                        NULL)) {
        c->api->done_reason(c->host, m, HERALD_RETRY, "echo: produce refused");
        return;
    }
    c->api->counter_add(c->forwarded, 1);
    c->api->done(c->host, m, HERALD_OK);
}

static void echo_process(void *ctx, struct herald_message **msgs, size_t n)
{
    struct echo_ctx *c = ctx;
    for (size_t i = 0; i < n; i++) {
        if (c->delay_ms <= 0) {
            complete(c, msgs[i]);
            continue;
        }
        if (c->n_pending == c->cap_pending) {
            c->cap_pending = c->cap_pending ? c->cap_pending * 2 : 256;
            c->pending = realloc(c->pending, c->cap_pending * sizeof *c->pending);
        }
        c->pending[c->n_pending++] = (struct pending){msgs[i], c->api->now_ms() + c->delay_ms};
    }
}

static void echo_tick(void *ctx, int64_t now_ms)
{
    struct echo_ctx *c = ctx;
    size_t keep = 0;
    for (size_t i = 0; i < c->n_pending; i++) {
        if (c->pending[i].due_ms <= now_ms)
            complete(c, c->pending[i].msg);
        else
            c->pending[keep++] = c->pending[i];
    }
    c->n_pending = keep;
}

static void echo_assign(void *ctx, const struct herald_partition *parts, size_t n, int assigned)
{
    struct echo_ctx *c = ctx;
    int owned = 0, total = 0;
    c->api->partition_share(c->host, parts[0].topic, &owned, &total);
    c->api->gauge_set(c->assigned, owned);
    c->api->log(c->host, HERALD_LOG_INFO, "%s %zu partition(s) of %s; owning %d of %d",
                assigned ? "assigned" : "revoked", n, parts[0].topic, owned, total);
}

static int echo_drain(void *ctx, int64_t now_ms)
{
    struct echo_ctx *c = ctx;
    echo_tick(ctx, now_ms);
    return c->n_pending == 0;
}

static void echo_exit(void *ctx)
{
    struct echo_ctx *c = ctx;
    free(c->pending);
    free(c->insert_sql);
}

static const struct herald_plugin echo_plugin = {
    .abi_version = HERALD_PLUGIN_ABI_VERSION,
    .name = "echo",
    .description = "test plugin: copies consumed messages to another topic",
    .ctx_size = sizeof(struct echo_ctx),
    .config_map = echo_config,
    .cb_init = echo_init,
    .cb_process = echo_process,
    .cb_tick = echo_tick,
    .cb_assign = echo_assign,
    .cb_drain = echo_drain,
    .cb_exit = echo_exit,
};

HERALD_PLUGIN_EXPORT(echo_plugin)
