/*
 * dispatcher_flow.c - the pump that moves jobs along: due retries back into lanes, admission
 * through the rate limiters, claims, HTTP sends, outcome handling and resolution; plus the
 * completion of a job (done + produce).
 *
 * Why one pump called from cb_tick and cb_process: all the work is non-blocking steps on
 * in-memory queues, so running them in a loop for a small time budget (http_budget_ms) keeps
 * many requests moving on one thread while the host's loop stays responsive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatcher_errors.h"
#include "dispatcher_events.h"
#include "dispatcher_http.h"
#include "dispatcher_internal.h"
#include "dispatcher_pg_worker.h"
#include "dispatcher_request.h"
#include "dispatcher_response.h"
#include "herald/retry_backoff.h"

int64_t disp_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- completion ------------------------------------------------------------------------ */

void disp_complete(struct disp_ctx *c, struct disp_entry *e, herald_status st, const char *reason)
{
    disp_index_remove(&c->held, &e->held);
    disp_pair_unreserve(c, e);
    if (e->st == DISP_ST_CLAIMING || e->st == DISP_ST_READY) {
        c->n_claiming--;
        if (e->num)
            e->num->ahead--;
    }
    if (st != HERALD_OK && reason)
        c->api->done_reason(c->host, e->msg, st, reason);
    else
        c->api->done(c->host, e->msg, st);
    disp_job_free(&e->job);
    free(e);
}

static int produce(struct disp_ctx *c, struct disp_entry *e, char *payload)
{
    char key[24];
    if (!payload)
        return -1;
    int klen = snprintf(key, sizeof(key), "%lld", (long long)e->job.campaign_id);
    int rc = c->api->produce(c->host, c->events_topic, key, (size_t)klen, payload, strlen(payload),
                             e->msg, NULL, NULL);
    free(payload);
    return rc;
}

int disp_produce_accepted(struct disp_ctx *c, struct disp_entry *e, const char *wamid,
                          int64_t ts_ms, int attempts)
{
    return produce(c, e,
                   disp_event_accepted(e->job.campaign_id, e->job.recipient_id, e->job.phone, wamid,
                                       ts_ms, attempts));
}

int disp_produce_failed(struct disp_ctx *c, struct disp_entry *e, int code, const char *title,
                        int64_t ts_ms, int attempts)
{
    return produce(c, e,
                   disp_event_failed(e->job.campaign_id, e->job.recipient_id, e->job.phone, code,
                                     title, ts_ms, attempts));
}

void disp_refund_tokens(struct disp_ctx *c, struct disp_entry *e)
{
    if (e->took_number_token && e->num)
        disp_bucket_refund(&e->num->bucket);
    if (e->took_campaign_token) {
        struct disp_campaign *k = disp_campaign_get(c, e->job.campaign_id, e->taken_ms);
        if (k)
            disp_bucket_refund(&k->cap_bucket);
    }
    e->took_number_token = e->took_campaign_token = 0;
}

/* Why a reservation at admission: the pair interval is checked when a job is admitted and a
 * send is recorded when its request leaves, a claim commit later. Without it, a second
 * campaign's job for the same person admitted during that commit passed the check too, and
 * the API refused it (131056: 39 of 40 in the test). Safe to forget: a job is only admitted
 * when its recipient's previous interval has passed. */
void disp_pair_unreserve(struct disp_ctx *c, struct disp_entry *e)
{
    if (!e->pair_reserved)
        return;
    pair_limiter_forget(c->pairs, e->job.phone);
    e->pair_reserved = 0;
}

/* ---- outcomes -------------------------------------------------------------------------- */

static void to_resolve(struct disp_ctx *c, struct disp_entry *e, enum disp_resolution res)
{
    e->res = res;
    e->st = DISP_ST_RESOLVING;
    e->next = c->to_resolve;
    c->to_resolve = e;
    c->n_resolving++;
    c->n_to_resolve++;
}

/* Jitter for the retry schedule; rand() is enough, it only spreads retries apart. */
static uint32_t jitter(void)
{
    return (uint32_t)rand();
}

/* Retry after `delay_ms`, or fail when the attempts are spent. */
static void retry(struct disp_ctx *c, struct disp_entry *e, int64_t delay_ms, int64_t now_ms)
{
    if (e->attempts >= c->max_attempts) {
        char t[256];
        snprintf(t, sizeof(t), "gave up after %d attempts: %.200s", e->attempts, e->err_title);
        snprintf(e->err_title, sizeof(e->err_title), "%s", t);
        to_resolve(c, e, DISP_RES_FAILED);
        return;
    }
    c->api->counter_add(c->m.retried, 1);
    e->hold = 0;
    e->refund_attempt = 0;
    e->retry_due_ms = now_ms + delay_ms;
    to_resolve(c, e, DISP_RES_RELEASE);
}

static void count_blocked(struct disp_ctx *c)
{
    int n = 0;
    for (struct disp_number *x = c->numbers; x; x = x->next)
        n += x->blocked;
    c->api->gauge_set(c->m.number_blocked, n);
}

static void block_number(struct disp_ctx *c, struct disp_entry *e, const char *why, int64_t now_ms)
{
    struct disp_number *n = e->num;
    if (!n->blocked)
        c->api->log(c->host, HERALD_LOG_ERROR,
                    "ALERT number %s stopped: %s (code %d: %s); its jobs are held, re-checked "
                    "every %lld ms",
                    n->phone_number_id, why, e->err_code, e->err_title,
                    (long long)c->number_recheck_ms);
    n->blocked = 1;
    snprintf(n->block_reason, sizeof(n->block_reason), "%s", why);
    n->next_probe_ms = now_ms + c->number_recheck_ms;
    count_blocked(c);
    e->hold = 1;
    e->refund_attempt = 1;
    to_resolve(c, e, DISP_RES_RELEASE);
}

static void stop_campaign(struct disp_ctx *c, struct disp_entry *e, int64_t now_ms)
{
    struct disp_campaign *k = disp_campaign_get(c, e->job.campaign_id, now_ms);
    if (k && k->running) {
        char reason[320];
        snprintf(reason, sizeof(reason), "template rejected by the Cloud API (code %d): %s",
                 e->err_code, e->err_title);
        c->api->log(c->host, HERALD_LOG_ERROR, "ALERT campaign %lld stopped: %s",
                    (long long)e->job.campaign_id, reason);
        if (disp_campaign_stop(c, e->job.campaign_id, reason, 0) == 0) {
            k->running = 0;
            c->api->counter_add(c->m.campaigns_stopped, 1);
        }
    }
    to_resolve(c, e, DISP_RES_FAILED);
}

/* Meta paused the template (132015, low quality) for some hours: the campaign is paused, not
 * failed, so a resume sends the rest, and this recipient, who got nothing, goes back to
 * `queued` without the attempt counting (its job is then dropped at the claim, like every other
 * job of a paused campaign, and a resume emits the row again). */
static void pause_campaign(struct disp_ctx *c, struct disp_entry *e, int64_t now_ms)
{
    struct disp_campaign *k = disp_campaign_get(c, e->job.campaign_id, now_ms);
    if (k && k->running) {
        char reason[420];
        snprintf(reason, sizeof(reason),
                 "template paused by Meta (code %d: %s): Herald resumes the campaign when Meta "
                 "approves the template again (or resume it by hand)",
                 e->err_code, e->err_title);
        c->api->log(c->host, HERALD_LOG_ERROR, "ALERT campaign %lld paused: %s",
                    (long long)e->job.campaign_id, reason);
        if (disp_campaign_stop(c, e->job.campaign_id, reason, 1) == 0) {
            k->running = 0;
            c->api->counter_add(c->m.campaigns_paused, 1);
        }
    }
    e->hold = 0;
    e->refund_attempt = 1;
    e->retry_due_ms = now_ms;
    to_resolve(c, e, DISP_RES_RELEASE);
}

static void unblock(struct disp_ctx *c, struct disp_number *n)
{
    if (!n->blocked)
        return;
    n->blocked = 0;
    c->api->log(c->host, HERALD_LOG_INFO, "number %s sends again (was: %s)", n->phone_number_id,
                n->block_reason);
    count_blocked(c);
}

static void act(struct disp_ctx *c, struct disp_entry *e, enum disp_action a,
                const struct disp_response *resp, int64_t now_ms)
{
    if (a != DISP_ACT_ACCEPTED && a != DISP_ACT_UNCERTAIN && a != DISP_ACT_RETRY_RECIPIENT)
        pair_limiter_forget(c->pairs, e->job.phone); /* refused: the person got nothing */
    switch (a) {
    case DISP_ACT_ACCEPTED:
        snprintf(e->wamid, sizeof(e->wamid), "%s", resp->wamid);
        unblock(c, e->num);
        to_resolve(c, e, DISP_RES_ACCEPTED);
        break;
    case DISP_ACT_RETRY:
        retry(c, e,
              retry_backoff_ms(e->attempts, c->backoff_initial_ms, c->backoff_max_ms, jitter()),
              now_ms);
        break;
    case DISP_ACT_THROTTLE_NUMBER:
        c->api->counter_add(c->m.throttled, 1);
        disp_bucket_throttled(&e->num->bucket, now_ms);
        retry(c, e,
              retry_backoff_ms(e->attempts, c->backoff_initial_ms, c->backoff_max_ms, jitter()),
              now_ms);
        break;
    case DISP_ACT_RETRY_RECIPIENT:
        pair_limiter_penalise(c->pairs, e->job.phone, now_ms);
        retry(c, e, pair_limiter_wait_ms(c->pairs, e->job.phone, now_ms), now_ms);
        break;
    case DISP_ACT_FAILED_OPT_OUT:
        disp_contact_opt_out(c, e->job.phone);
        to_resolve(c, e, DISP_RES_FAILED);
        break;
    case DISP_ACT_FAILED:
        to_resolve(c, e, DISP_RES_FAILED);
        break;
    case DISP_ACT_STOP_NUMBER:
        block_number(c, e, "access token invalid or missing permission", now_ms);
        break;
    case DISP_ACT_PAUSE_NUMBER: {
        const char *why = disp_hold_reason(e->err_code);
        block_number(c, e, why ? why : "number or account blocked", now_ms);
        break;
    }
    case DISP_ACT_STOP_CAMPAIGN:
        stop_campaign(c, e, now_ms);
        break;
    case DISP_ACT_PAUSE_CAMPAIGN:
        pause_campaign(c, e, now_ms);
        break;
    case DISP_ACT_UNCERTAIN:
        to_resolve(c, e, DISP_RES_UNCERTAIN);
        break;
    }
}

static void describe(struct disp_entry *e, enum disp_transport tx, const struct disp_http_result *r,
                     const struct disp_response *resp)
{
    if (resp->code) {
        e->err_code = resp->code;
        snprintf(e->err_title, sizeof(e->err_title), "%s", resp->title);
    } else if (tx == DISP_TX_ANSWERED) {
        e->err_code = (int)r->status;
        snprintf(e->err_title, sizeof(e->err_title), "HTTP %ld", r->status);
    } else {
        e->err_code = 0;
        snprintf(e->err_title, sizeof(e->err_title), "%s: %s",
                 tx == DISP_TX_NOT_SENT ? "not sent" : "no answer after sending", r->error);
    }
}

static void on_http_done(void *user, void *opaque, const struct disp_http_result *r)
{
    struct disp_ctx *c = user;
    struct disp_entry *e = opaque;
    struct disp_response resp;
    int64_t now = c->api->now_ms();
    c->n_in_flight--;
    disp_response_parse(r->body, r->body_len, &resp);
    enum disp_transport tx = disp_transport_of_curl(r->curl_code, r->request_sent);
    enum disp_action a =
        disp_classify(tx, r->status, resp.code, resp.has_wamid, c->retry_ambiguous);
    e->ts_ms = disp_wall_ms();
    if (a != DISP_ACT_ACCEPTED) {
        describe(e, tx, r, &resp);
        c->api->log(c->host, HERALD_LOG_DEBUG,
                    "campaign %lld recipient %lld attempt %d: %s (HTTP %ld, code %d, %s, "
                    "fbtrace_id %s)",
                    (long long)e->job.campaign_id, (long long)e->job.recipient_id, e->attempts,
                    disp_action_name(a), r->status, e->err_code, e->err_title,
                    resp.fbtrace_id[0] ? resp.fbtrace_id : "-");
    }
    act(c, e, a, &resp, now);
}

/* ---- sending --------------------------------------------------------------------------- */

static void start_send(struct disp_ctx *c, struct disp_entry *e)
{
    char url[1024];
    int64_t now = c->api->now_ms();
    char *body = disp_request_body(&e->job);
    c->n_claiming--;
    e->num->ahead--;
    e->st = DISP_ST_IN_FLIGHT;
    c->n_in_flight++;
    if (!body ||
        disp_request_url(c->api_base_url, c->api_version, e->job.phone_number_id, url,
                         sizeof(url)) != 0 ||
        disp_http_post(c->http, url, body, e) != 0) {
        free(body);
        c->n_in_flight--;
        snprintf(e->err_title, sizeof(e->err_title), "could not start the request");
        disp_pair_unreserve(c, e);
        retry(c, e, 1000, now); /* never left: safe to retry */
        return;
    }
    free(body);
    pair_limiter_record(c->pairs, e->job.phone, now); /* the reservation becomes the send */
    e->pair_reserved = 0;
    c->api->counter_add(c->m.http_requests, 1);
}

void disp_ready(struct disp_ctx *c, struct disp_entry *e)
{
    struct disp_number *n = e->num;
    e->st = DISP_ST_READY;
    e->next = NULL;
    if (n->ready_tail)
        n->ready_tail->next = e;
    else
        n->ready_head = e;
    n->ready_tail = e;
}

/* The bucket of `e`'s campaign cap when it has one, else NULL. Checked as the request leaves,
 * like the number's window: claims of a capped campaign are paced by its tokens, but a slow
 * claim commit would otherwise release several at once and put more than the cap into one
 * second. */
static struct disp_bucket *cap_bucket_of(struct disp_ctx *c, struct disp_entry *e, int64_t now_ms)
{
    if (!e->took_campaign_token)
        return NULL;
    struct disp_campaign *k = disp_campaign_get(c, e->job.campaign_id, now_ms);
    return k && k->cap > 0 ? &k->cap_bucket : NULL;
}

/* Releases the number's claimed jobs as its 1-second window allows, in claim order; a job
 * held by its campaign's cap lets the jobs of other campaigns behind it go. */
static int release_number(struct disp_ctx *c, struct disp_number *n)
{
    int released = 0;
    struct disp_entry **pp = &n->ready_head, *prev = NULL;
    int64_t now_ms = c->api->now_ms();
    while (*pp) {
        struct disp_entry *e = *pp;
        struct disp_bucket *cap = cap_bucket_of(c, e, now_ms);
        if (cap && disp_bucket_send_wait_ms(cap, now_ms) > 0) {
            prev = e;
            pp = &e->next;
            continue;
        }
        if (!disp_bucket_send(&n->bucket, now_ms))
            break;
        if (cap)
            (void)disp_bucket_send(cap, now_ms);
        *pp = e->next;
        if (n->ready_tail == e)
            n->ready_tail = prev;
        e->next = NULL;
        start_send(c, e);
        released++;
        now_ms = c->api->now_ms();
    }
    return released;
}

/* Milliseconds until release_number can send one of `n`'s claimed jobs (0 = now). */
static int64_t ready_wait_ms(struct disp_ctx *c, struct disp_number *n, int64_t now_ms)
{
    int64_t best = disp_bucket_send_wait_ms(&n->bucket, now_ms);
    if (best > 0)
        return best;
    best = -1;
    for (struct disp_entry *e = n->ready_head; e && best != 0; e = e->next) {
        struct disp_bucket *cap = cap_bucket_of(c, e, now_ms);
        int64_t w = cap ? disp_bucket_send_wait_ms(cap, now_ms) : 0;
        if (best < 0 || w < best)
            best = w;
    }
    return best < 0 ? 0 : best;
}

/* Releases claimed jobs as the 1-second windows allow, then pushes the requests onto the wire
 * before anything else runs (a database completion next could hold them back for
 * milliseconds and bunch them into the API's next window). */
static void send_ready(struct disp_ctx *c)
{
    int released = 0;
    for (struct disp_number *n = c->numbers; n; n = n->next)
        released += release_number(c, n);
    if (released)
        disp_http_push(c->http, 3, on_http_done, c);
}

/* ---- admission ------------------------------------------------------------------------- */

static void admit_number(struct disp_ctx *c, struct disp_number *n, struct disp_entry ***tail,
                         int64_t now_ms)
{
    /* every claim not yet resolved counts: it bounds the `sending` rows a crash can leave */
    while ((int64_t)(c->n_in_flight + c->n_claiming + c->n_resolving) < c->max_concurrency &&
           n->queued > 0) {
        /* claims ahead of the send window stay within the bucket's burst (claim_ahead_ms of
         * traffic): what a crash can leave claimed but unsent */
        if ((double)n->ahead >= (n->bucket.capacity > 2.0 ? n->bucket.capacity : 2.0))
            return;
        int probe = 0;
        if (n->blocked) {
            if (now_ms < n->next_probe_ms)
                return;
            n->next_probe_ms = now_ms + c->number_recheck_ms;
            probe = 1;
        }
        if (!disp_bucket_take(&n->bucket, now_ms))
            return;
        struct disp_entry *e = disp_lane_next(c, n, now_ms);
        if (!e) {
            disp_bucket_refund(&n->bucket);
            return;
        }
        e->took_number_token = 1;
        e->taken_ms = now_ms;
        struct disp_campaign *k = disp_campaign_get(c, e->job.campaign_id, now_ms);
        int64_t wait = pair_limiter_wait_ms(c->pairs, e->job.phone, now_ms);
        if (!k || !k->loaded) {
            disp_refund_tokens(c, e);
            disp_complete(c, e, HERALD_RETRY, "campaign status unknown");
        } else if (!k->running) {
            disp_refund_tokens(c, e);
            disp_claims_inspect(c, e);
        } else if (wait > 0) {
            disp_refund_tokens(c, e);
            e->st = DISP_ST_DELAYED;
            if (disp_delay_push(&c->delayed, now_ms + wait, e) != 0)
                disp_complete(c, e, HERALD_RETRY, "out of memory");
        } else {
            e->pair_reserved = pair_limiter_record(c->pairs, e->job.phone, now_ms) == 0;
            e->st = DISP_ST_CLAIMING;
            c->n_claiming++;
            n->ahead++;
            c->n_to_claim++;
            **tail = e;
            *tail = &e->next;
            if (probe)
                return;
        }
    }
}

static void admit(struct disp_ctx *c, int64_t now_ms)
{
    struct disp_entry **tail = &c->to_claim;
    while (*tail)
        tail = &(*tail)->next;
    for (struct disp_number *n = c->numbers; n; n = n->next)
        admit_number(c, n, &tail, now_ms);
}

static void move_due(struct disp_ctx *c, int64_t now_ms)
{
    struct disp_entry *e;
    while ((e = disp_delay_pop_due(&c->delayed, now_ms)))
        disp_lane_push(c, e, 0);
}

static void update_gauges(struct disp_ctx *c)
{
    c->api->gauge_set(c->m.in_flight, (double)c->n_in_flight);
    c->api->gauge_set(c->m.queued, (double)c->n_queued);
    c->api->gauge_set(c->m.delayed, (double)c->delayed.len);
    double rate = 0;
    int peak = 0;
    for (struct disp_number *n = c->numbers; n; n = n->next) {
        rate += disp_bucket_rate(&n->bucket);
        if (n->bucket.window_peak > peak)
            peak = n->bucket.window_peak;
    }
    c->api->gauge_set(c->m.rate, rate);
    c->api->gauge_set(c->m.window_peak, peak);
    int cap_peak = 0;
    for (struct disp_campaign *k = c->campaigns; k; k = k->next)
        if (k->cap_bucket.window_peak > cap_peak)
            cap_peak = k->cap_bucket.window_peak;
    c->api->gauge_set(c->m.cap_window_peak, cap_peak);
}

/* Milliseconds until `n` (> 0) waiting claims or outcomes are due (<= 0: now). Also sizes the
 * stage's nap (disp_next_work_ms): without it the host would call the pump at once, again and
 * again, for the whole batch interval. */
static int64_t batch_wait_ms(const struct disp_ctx *c, size_t n, int64_t last_ms, int64_t now_ms)
{
    if (c->draining || (int64_t)n >= c->claim_batch)
        return 0;
    return last_ms + c->batch_interval_ms - now_ms;
}

/* Claims and resolutions are handed to the PostgreSQL worker in batches, at most one of each
 * kind every batch_interval_ms unless a full batch is ready. Why not at once when the worker
 * is idle: every pass is a transaction and its COMMIT an fsync (2-3 ms here), so at 1,000
 * sends/s one-row passes kept the worker busy committing, claims fell behind the send window
 * and sending stalled for most of each second. The worker commits everything submitted
 * meanwhile in one transaction. */
static int batch_due(struct disp_ctx *c, size_t n, int64_t *last_ms, int64_t now_ms)
{
    if (n == 0 || batch_wait_ms(c, n, *last_ms, now_ms) > 0)
        return 0;
    *last_ms = now_ms;
    return 1;
}

static void nap_ms(int64_t ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

void disp_pump(struct disp_ctx *c, int64_t now_ms, int64_t budget_ms)
{
    int64_t end = now_ms + budget_ms;
    disp_campaigns_refresh(c, now_ms, 0);
    if (now_ms - c->pairs_pruned_ms > 5000) {
        pair_limiter_prune(c->pairs, now_ms);
        c->pairs_pruned_ms = now_ms;
    }
    for (;;) {
        if (!c->draining) {
            move_due(c, now_ms);
            admit(c, now_ms);
        }
        disp_claims_inspect_flush(c);
        if (batch_due(c, c->n_to_claim, &c->claimed_ms, now_ms))
            disp_claims_run(c, now_ms);
        disp_pg_collect(c->pg, c);
        send_ready(c);
        disp_http_run(c->http, 0, on_http_done, c);
        if (batch_due(c, c->n_to_resolve, &c->resolved_ms, c->api->now_ms()))
            disp_resolve_flush(c);
        now_ms = c->api->now_ms();
        if (now_ms >= end || (c->n_in_flight == 0 && c->n_claiming == 0 && c->n_resolving == 0))
            break;
        if (c->n_in_flight > 0)
            disp_http_run(c->http, 1, on_http_done, c);
        else
            nap_ms(1);
        now_ms = c->api->now_ms();
    }
    update_gauges(c);
}

static void earliest(int64_t *best, int64_t w)
{
    if (w < 0)
        w = 0;
    if (*best < 0 || w < *best)
        *best = w;
}

int64_t disp_next_work_ms(struct disp_ctx *c, int64_t now_ms)
{
    if (c->n_in_flight > 0)
        return 0;
    int64_t best = -1;
    if (c->n_to_claim)
        earliest(&best, batch_wait_ms(c, c->n_to_claim, c->claimed_ms, now_ms));
    if (c->n_to_resolve)
        earliest(&best, batch_wait_ms(c, c->n_to_resolve, c->resolved_ms, now_ms));
    for (struct disp_number *n = c->numbers; n; n = n->next) {
        if (n->ready_head)
            earliest(&best, ready_wait_ms(c, n, now_ms));
        if (n->queued > 0)
            earliest(&best, n->blocked ? n->next_probe_ms - now_ms
                                       : disp_bucket_wait_ms(&n->bucket, now_ms));
    }
    if (c->delayed.len > 0)
        earliest(&best, c->delayed.heap[0].due_ms - now_ms);
    return best;
}
