/*
 * dispatcher_lanes.c - the business numbers this instance sends for, each with its token
 * bucket and one FIFO lane per campaign, served round-robin.
 *
 * Why lanes per campaign: a campaign with its own low cap must not hold up another campaign
 * on the same number (head-of-line blocking); round-robin shares the number fairly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher_internal.h"

/* "1098765=1000,2222=20" -> the rate for phone_number_id, or the default. */
static double configured_rate(struct disp_ctx *c, const char *pnid)
{
    const char *p = c->rate_overrides;
    size_t n = strlen(pnid);
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncmp(p, pnid, n) == 0 && p[n] == '=') {
            double r = strtod(p + n + 1, NULL);
            if (r > 0)
                return r;
        }
        p = strchr(p, ',');
    }
    return c->rate_per_second;
}

static double instance_rate(struct disp_ctx *c, double rate)
{
    return rate * c->share;
}

struct disp_number *disp_number_get(struct disp_ctx *c, const char *pnid)
{
    for (struct disp_number *n = c->numbers; n; n = n->next)
        if (strcmp(n->phone_number_id, pnid) == 0)
            return n;
    struct disp_number *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->phone_number_id = strdup(pnid);
    n->rate = configured_rate(c, pnid);
    if (!n->phone_number_id ||
        disp_bucket_init(&n->bucket, instance_rate(c, n->rate), c->api->now_ms()) != 0) {
        free(n->phone_number_id);
        free(n);
        return NULL;
    }
    disp_bucket_set_safety(&n->bucket, c->rate_safety);
    disp_bucket_set_burst(&n->bucket, (double)c->claim_ahead_ms / 1000.0);
    n->next = c->numbers;
    c->numbers = n;
    c->api->log(c->host, HERALD_LOG_INFO, "number %s: %.1f msg/s (this instance %.2f)", pnid,
                n->rate, disp_bucket_rate(&n->bucket));
    return n;
}

void disp_numbers_apply_rates(struct disp_ctx *c, int64_t now_ms)
{
    double total = 0;
    for (struct disp_number *n = c->numbers; n; n = n->next) {
        disp_bucket_set_rate(&n->bucket, instance_rate(c, n->rate), now_ms);
        total += disp_bucket_rate(&n->bucket);
    }
    c->api->gauge_set(c->m.rate, total);
}

static struct disp_lane *lane_for(struct disp_number *n, int64_t campaign_id)
{
    for (struct disp_lane *l = n->lanes; l; l = l->next)
        if (l->campaign_id == campaign_id)
            return l;
    struct disp_lane *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->campaign_id = campaign_id;
    l->next = n->lanes;
    n->lanes = l;
    return l;
}

void disp_lane_push(struct disp_ctx *c, struct disp_entry *e, int at_head)
{
    struct disp_lane *l = lane_for(e->num, e->job.campaign_id);
    if (!l) { /* out of memory: let the host hand the job back later */
        disp_complete(c, e, HERALD_RETRY, "out of memory");
        return;
    }
    disp_pair_unreserve(c, e); /* not sent: another job for the person may go first */
    e->st = DISP_ST_QUEUED;
    e->next = NULL;
    if (at_head) {
        e->next = l->head;
        l->head = e;
        if (!l->tail)
            l->tail = e;
    } else {
        if (l->tail)
            l->tail->next = e;
        else
            l->head = e;
        l->tail = e;
    }
    l->len++;
    e->num->queued++;
    c->n_queued++;
}

static struct disp_entry *pop(struct disp_ctx *c, struct disp_number *n, struct disp_lane *l)
{
    struct disp_entry *e = l->head;
    l->head = e->next;
    if (!l->head)
        l->tail = NULL;
    e->next = NULL;
    l->len--;
    n->queued--;
    c->n_queued--;
    return e;
}

/* Drop empty lanes so finished campaigns do not accumulate. */
static void prune_lanes(struct disp_number *n)
{
    struct disp_lane **pp = &n->lanes;
    while (*pp) {
        struct disp_lane *l = *pp;
        if (l->len == 0) {
            *pp = l->next;
            if (n->rr == l)
                n->rr = NULL;
            free(l);
        } else {
            pp = &l->next;
        }
    }
}

struct disp_entry *disp_lane_next(struct disp_ctx *c, struct disp_number *n, int64_t now_ms)
{
    if (n->queued == 0) {
        prune_lanes(n);
        return NULL;
    }
    struct disp_lane *start = n->rr ? n->rr : n->lanes;
    struct disp_lane *l = start;
    do {
        struct disp_lane *after = l->next ? l->next : n->lanes;
        if (l->head) {
            struct disp_campaign *k = disp_campaign_get(c, l->campaign_id, now_ms);
            /* a campaign's own cap paces its claims with tokens, as the number's bucket
             * does; its 1-second window is checked when the request leaves (release_number) */
            int capped = k && k->running && k->cap > 0;
            if (!capped || disp_bucket_take(&k->cap_bucket, now_ms)) {
                struct disp_entry *e = pop(c, n, l);
                e->took_campaign_token = capped;
                n->rr = after;
                return e;
            }
        }
        l = after;
    } while (l != start);
    return NULL;
}

void disp_lanes_filter(struct disp_ctx *c, int (*drop)(struct disp_entry *e, void *arg),
                       void (*dispose)(struct disp_ctx *c, struct disp_entry *e), void *arg)
{
    for (struct disp_number *n = c->numbers; n; n = n->next) {
        for (struct disp_lane *l = n->lanes; l; l = l->next) {
            struct disp_entry **pp = &l->head, *last = NULL;
            while (*pp) {
                struct disp_entry *e = *pp;
                if (drop(e, arg)) {
                    *pp = e->next;
                    l->len--;
                    n->queued--;
                    c->n_queued--;
                    e->next = NULL;
                    dispose(c, e);
                } else {
                    last = e;
                    pp = &e->next;
                }
            }
            l->tail = last;
        }
    }
}

void disp_numbers_free(struct disp_ctx *c)
{
    struct disp_number *n = c->numbers;
    while (n) {
        struct disp_number *next = n->next;
        struct disp_lane *l = n->lanes;
        while (l) {
            struct disp_lane *ln = l->next;
            free(l);
            l = ln;
        }
        disp_bucket_free(&n->bucket);
        free(n->phone_number_id);
        free(n);
        n = next;
    }
    c->numbers = NULL;
}
