/*
 * api_progress_hub.c - the single campaign_progress poller behind all SSE streams (see the
 * header for why).
 */
#include "api_progress_hub.h"
#include "api_time.h"

#include "api_internal.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct watched {
    int64_t campaign_id;
    int watchers;
    uint64_t version; /* bumped whenever snapshot changes */
    char *snapshot;   /* row_to_json(campaign_progress) text, NULL until first seen */
};

struct progress_hub {
    struct api_ctx *ctx;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;  /* watchers wait here */
    pthread_cond_t poll_now; /* the poller sleeps here between polls */
    int stopping;
    struct watched *items;
    size_t n, cap;
    int64_t total_watchers;
};

static struct watched *find_locked(struct progress_hub *hub, int64_t id)
{
    for (size_t i = 0; i < hub->n; i++)
        if (hub->items[i].campaign_id == id)
            return &hub->items[i];
    return NULL;
}

/* "{1,2,3}" for the ANY($1::bigint[]) parameter; NULL when nothing is watched. */
static char *watched_ids_locked(struct progress_hub *hub)
{
    if (hub->n == 0)
        return NULL;
    char *buf = malloc(hub->n * 21 + 3);
    if (!buf)
        return NULL;
    size_t len = 0;
    buf[len++] = '{';
    for (size_t i = 0; i < hub->n; i++)
        len += (size_t)sprintf(buf + len, "%s%lld", i ? "," : "",
                               (long long)hub->items[i].campaign_id);
    buf[len++] = '}';
    buf[len] = '\0';
    return buf;
}

static void publish(struct progress_hub *hub, PGresult *res)
{
    int changed = 0;
    pthread_mutex_lock(&hub->lock);
    for (int i = 0; i < PQntuples(res); i++) {
        struct watched *w = find_locked(hub, strtoll(PQgetvalue(res, i, 0), NULL, 10));
        const char *text = PQgetvalue(res, i, 1);
        if (!w || (w->snapshot && !strcmp(w->snapshot, text)))
            continue;
        char *copy = strdup(text);
        if (!copy)
            continue;
        free(w->snapshot);
        w->snapshot = copy;
        w->version++;
        changed = 1;
    }
    if (changed)
        pthread_cond_broadcast(&hub->changed);
    pthread_mutex_unlock(&hub->lock);
}

static void poll_once(struct progress_hub *hub, herald_pg *pg, const char *ids, int64_t *last_err)
{
    static const char sql[] = "SELECT p.campaign_id, row_to_json(p)::text FROM campaign_progress p"
                              " WHERE p.campaign_id = ANY($1::bigint[])";
    const struct herald_host_api *api = hub->ctx->api;
    PGconn *conn = api->pg_conn(pg);
    if (!conn)
        return;
    const char *params[1] = {ids};
    PGresult *res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
    api->counter_add(hub->ctx->m.progress_polls, 1);
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        publish(hub, res);
    } else if (api->now_ms() - *last_err > 60000) { /* once a minute is enough to notice */
        *last_err = api->now_ms();
        api->log(hub->ctx->host, HERALD_LOG_WARN, "api: progress poll failed: %.300s",
                 PQerrorMessage(conn));
    }
    PQclear(res);
}

static void *poller_main(void *arg)
{
    struct progress_hub *hub = arg;
    herald_pg *pg = hub->ctx->api->pg_open(hub->ctx->host);
    int64_t last_err = -1000000;
    pthread_mutex_lock(&hub->lock);
    while (!hub->stopping) {
        char *ids = watched_ids_locked(hub);
        pthread_mutex_unlock(&hub->lock);
        if (ids && pg)
            poll_once(hub, pg, ids, &last_err);
        free(ids);
        pthread_mutex_lock(&hub->lock);
        if (hub->stopping)
            break;
        struct timespec deadline = api_time_deadline_after(hub->ctx->progress_poll_ms);
        pthread_cond_timedwait(&hub->poll_now, &hub->lock, &deadline);
    }
    pthread_mutex_unlock(&hub->lock);
    if (pg)
        hub->ctx->api->pg_close(pg);
    return NULL;
}

struct progress_hub *progress_hub_start(struct api_ctx *ctx)
{
    struct progress_hub *hub = calloc(1, sizeof(*hub));
    if (!hub)
        return NULL;
    hub->ctx = ctx;
    pthread_mutex_init(&hub->lock, NULL);
    pthread_cond_init(&hub->changed, NULL);
    pthread_cond_init(&hub->poll_now, NULL);
    if (pthread_create(&hub->thread, NULL, poller_main, hub) != 0) {
        pthread_mutex_destroy(&hub->lock);
        pthread_cond_destroy(&hub->changed);
        pthread_cond_destroy(&hub->poll_now);
        free(hub);
        return NULL;
    }
    return hub;
}

void progress_hub_shutdown(struct progress_hub *hub)
{
    pthread_mutex_lock(&hub->lock);
    hub->stopping = 1;
    pthread_cond_broadcast(&hub->changed);
    pthread_cond_broadcast(&hub->poll_now);
    pthread_mutex_unlock(&hub->lock);
}

void progress_hub_free(struct progress_hub *hub)
{
    if (!hub)
        return;
    progress_hub_shutdown(hub);
    pthread_join(hub->thread, NULL);
    for (size_t i = 0; i < hub->n; i++)
        free(hub->items[i].snapshot);
    free(hub->items);
    pthread_mutex_destroy(&hub->lock);
    pthread_cond_destroy(&hub->changed);
    pthread_cond_destroy(&hub->poll_now);
    free(hub);
}

void progress_hub_watch(struct progress_hub *hub, int64_t campaign_id)
{
    pthread_mutex_lock(&hub->lock);
    struct watched *w = find_locked(hub, campaign_id);
    if (!w && hub->n == hub->cap) {
        size_t cap = hub->cap ? hub->cap * 2 : 8;
        struct watched *items = realloc(hub->items, cap * sizeof(*items));
        if (items) {
            hub->items = items;
            hub->cap = cap;
        }
    }
    if (!w && hub->n < hub->cap) {
        w = &hub->items[hub->n++];
        *w = (struct watched){.campaign_id = campaign_id};
        pthread_cond_signal(&hub->poll_now); /* a new campaign: fetch it now, not in 250 ms */
    }
    if (w)
        w->watchers++;
    hub->total_watchers++;
    hub->ctx->api->gauge_set(hub->ctx->m.sse_watchers, (double)hub->total_watchers);
    pthread_mutex_unlock(&hub->lock);
}

void progress_hub_unwatch(struct progress_hub *hub, int64_t campaign_id)
{
    pthread_mutex_lock(&hub->lock);
    struct watched *w = find_locked(hub, campaign_id);
    if (w && --w->watchers <= 0) {
        free(w->snapshot);
        *w = hub->items[--hub->n];
    }
    hub->total_watchers--;
    hub->ctx->api->gauge_set(hub->ctx->m.sse_watchers, (double)hub->total_watchers);
    pthread_mutex_unlock(&hub->lock);
}

int progress_hub_next(struct progress_hub *hub, int64_t campaign_id, uint64_t *version,
                      char **snapshot, int timeout_ms)
{
    struct timespec deadline = api_time_deadline_after(timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&hub->lock);
    while (!hub->stopping) {
        struct watched *w = find_locked(hub, campaign_id);
        if (w && w->snapshot && w->version != *version) {
            *snapshot = strdup(w->snapshot);
            *version = w->version;
            rc = *snapshot ? 1 : 0;
            break;
        }
        if (pthread_cond_timedwait(&hub->changed, &hub->lock, &deadline) == ETIMEDOUT)
            break;
    }
    if (hub->stopping)
        rc = -1;
    pthread_mutex_unlock(&hub->lock);
    return rc;
}
