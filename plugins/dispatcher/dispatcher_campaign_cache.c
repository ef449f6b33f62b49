/*
 * dispatcher_campaign_cache.c - each campaign's status, send window and own rate cap, read
 * from PostgreSQL and refreshed every campaign_refresh_ms (200 ms) in one query.
 *
 * Why a cache when the claim already checks the status atomically: jobs of a paused campaign
 * can sit by thousands in the lanes; the cache drops them without a claim round trip each,
 * and gives the campaign's cap to the rate limiter. Correctness never depends on it: the
 * claim statement is the authority (a pause stops every later claim at once).
 *
 * The send window is the exception: the cache alone stops sending when it closes (the claim
 * does not evaluate it: a time-zone conversion per claimed row, on the hottest statement, for
 * a boundary that may be 200 ms late). A job met outside the window is looked up (the lookup
 * does evaluate it) and completed unsent with its row still queued; the segmenter puts such
 * rows back to pending and emits them when the window opens.
 */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher_internal.h"
#include "dispatcher_pg_array.h"

#define EVICT_AFTER_MS (10 * 60 * 1000)

static const char *const REFRESH_SQL =
    "SELECT id, status, rate_limit_per_second, campaign_send_window_open(send_window, now()) "
    "FROM campaigns WHERE id = ANY($1::bigint[])";

static struct disp_campaign *find(struct disp_ctx *c, int64_t id)
{
    for (struct disp_campaign *k = c->campaigns; k; k = k->next)
        if (k->id == id)
            return k;
    return NULL;
}

void disp_campaign_set_cap_rate(struct disp_ctx *c, struct disp_campaign *k, int64_t now_ms)
{
    if (k->cap <= 0)
        return;
    /* the number's own bucket still applies: this only ever lowers the rate */
    double rate = k->cap * c->share;
    if (rate != k->cap_bucket_rate) {
        disp_bucket_set_rate(&k->cap_bucket, rate, now_ms);
        k->cap_bucket_rate = rate;
    }
}

static void apply_row(struct disp_ctx *c, struct disp_campaign *k, PGresult *r, int i,
                      int64_t now_ms)
{
    k->known = 1;
    /* outside its send window a running campaign is, for sending, not running */
    k->running =
        strcmp(PQgetvalue(r, i, 1), "running") == 0 && strcmp(PQgetvalue(r, i, 3), "t") == 0;
    k->cap = PQgetisnull(r, i, 2) ? 0 : strtod(PQgetvalue(r, i, 2), NULL);
    disp_campaign_set_cap_rate(c, k, now_ms);
}

/* Runs REFRESH_SQL for `ids`; marks every listed campaign not found as not running. */
static int refresh_ids(struct disp_ctx *c, const char *ids, int64_t now_ms)
{
    const char *params[1] = {ids};
    PGresult *r = c->api->pg_exec(c->host, REFRESH_SQL, 1, params);
    if (!r) {
        c->api->counter_add(c->m.pg_errors, 1);
        return -1;
    }
    for (struct disp_campaign *k = c->campaigns; k; k = k->next)
        k->known = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        struct disp_campaign *k = find(c, strtoll(PQgetvalue(r, i, 0), NULL, 10));
        if (k)
            apply_row(c, k, r, i, now_ms);
    }
    for (struct disp_campaign *k = c->campaigns; k; k = k->next) {
        k->loaded = 1;
        if (!k->known)
            k->running = 0; /* no such campaign (deleted): nothing to send */
    }
    PQclear(r);
    return 0;
}

static void evict_idle(struct disp_ctx *c, int64_t now_ms)
{
    struct disp_campaign **pp = &c->campaigns;
    while (*pp) {
        struct disp_campaign *k = *pp;
        if (now_ms - k->last_used_ms > EVICT_AFTER_MS) {
            *pp = k->next;
            disp_bucket_free(&k->cap_bucket);
            free(k);
        } else {
            pp = &k->next;
        }
    }
}

void disp_campaigns_refresh(struct disp_ctx *c, int64_t now_ms, int force)
{
    if (!force && now_ms - c->campaigns_refreshed_ms < c->campaign_refresh_ms)
        return;
    evict_idle(c, now_ms);
    if (!c->campaigns)
        return;
    struct text_buffer ids = {0};
    disp_array_begin(&ids);
    for (struct disp_campaign *k = c->campaigns; k; k = k->next)
        disp_array_add_int(&ids, k->id);
    const char *lit = disp_array_end(&ids);
    int64_t wall = disp_wall_ms(); /* taken before the query: the status is at least this new */
    if (lit && refresh_ids(c, lit, now_ms) == 0) {
        c->campaigns_refreshed_ms = now_ms;
        c->campaigns_refreshed_wall_ms = wall;
    }
    text_buffer_free(&ids);
}

struct disp_campaign *disp_campaign_get(struct disp_ctx *c, int64_t id, int64_t now_ms)
{
    struct disp_campaign *k = find(c, id);
    if (k) {
        k->last_used_ms = now_ms;
        return k;
    }
    k = calloc(1, sizeof(*k));
    if (!k || disp_bucket_init(&k->cap_bucket, 1.0, now_ms) != 0) {
        free(k);
        return NULL;
    }
    disp_bucket_set_safety(&k->cap_bucket, c->rate_safety);
    disp_bucket_set_burst(&k->cap_bucket, 0.05);
    k->id = id;
    k->last_used_ms = now_ms;
    k->next = c->campaigns;
    c->campaigns = k;
    disp_campaigns_refresh(c, now_ms, 1); /* a new campaign: learn its status now */
    return k;
}

void disp_campaigns_free(struct disp_ctx *c)
{
    struct disp_campaign *k = c->campaigns;
    while (k) {
        struct disp_campaign *next = k->next;
        disp_bucket_free(&k->cap_bucket);
        free(k);
        k = next;
    }
    c->campaigns = NULL;
}
