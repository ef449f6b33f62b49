/*
 * dispatcher_internal.h - the dispatcher plugin's context and the life of one job inside it,
 * shared by the plugin's files (all on the host's main thread).
 *
 * Life of a job (struct disp_entry), each step in its own file:
 *   cb_process (dispatcher.c) parses it and files it in its number's lane (dispatcher_lanes.c)
 *   -> admission takes a token from the number's bucket and the campaign's cap, respects the
 *      pair interval (dispatcher_flow.c)
 *   -> a batch claim in PostgreSQL (dispatcher_claims.c) marks it `sending` (claim_open)
 *   -> libcurl multi sends it (dispatcher_http.c)
 *   -> the outcome is classified (dispatcher_errors.c) and resolved in PostgreSQL in batches;
 *      retries wait in the delay queue with their claim released to `queued`
 *   -> an `accepted`/`failed` event is produced with the job as parent, then done(OK).
 * The Kafka offset of a job is only committed after done(), so every in-memory state above is
 * recoverable from a redelivery plus the row's state in PostgreSQL.
 */
#ifndef HERALD_DISPATCHER_INTERNAL_H
#define HERALD_DISPATCHER_INTERNAL_H

#include <herald/plugin.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatcher_delay_queue.h"
#include "dispatcher_index.h"
#include "dispatcher_job.h"
#include "dispatcher_rate_limiter.h"
#include "pair_rate_limiter.h"

struct disp_http;
struct disp_pg_worker;

enum disp_entry_state {
    DISP_ST_QUEUED = 0, /* in a lane, not claimed */
    DISP_ST_CLAIMING,   /* token taken, in the claim batch */
    DISP_ST_READY,      /* claimed, waiting for the number's 1-second send window */
    DISP_ST_IN_FLIGHT,  /* claimed, HTTP request running */
    DISP_ST_RESOLVING,  /* outcome known, waiting for its PostgreSQL write */
    DISP_ST_DELAYED,    /* claim released, waiting in the delay queue */
};

enum disp_resolution {
    DISP_RES_ACCEPTED = 0,
    DISP_RES_FAILED,
    DISP_RES_UNCERTAIN,
    DISP_RES_RELEASE, /* back to `queued` (retry later, or number held) */
};

struct disp_number;
struct disp_campaign;

struct disp_entry {
    struct herald_message *msg;
    struct disp_job job;
    struct disp_number *num;
    enum disp_entry_state st;
    struct disp_entry *next;     /* lane / batch list */
    struct disp_index_node held; /* its place in disp_ctx.held (keyed by the job's ids) */
    int attempts;                /* attempts recorded in PostgreSQL after the claim */
    int64_t taken_ms;            /* when the tokens were taken (refund on a refused claim) */
    int took_number_token;
    int took_campaign_token;
    int pair_reserved; /* holds its recipient's pair interval from admission until it is sent */
    /* outcome, filled by the HTTP completion */
    enum disp_resolution res;
    int refund_attempt; /* release without counting the attempt (number held) */
    int hold;           /* after release: back to the lane head instead of the delay queue */
    int64_t retry_due_ms;
    int64_t ts_ms; /* wall clock of the outcome */
    int err_code;
    char wamid[256];
    char err_title[256];
};

/* A lane: the FIFO of one campaign's jobs on one business number. */
struct disp_lane {
    int64_t campaign_id;
    struct disp_entry *head, *tail;
    size_t len;
    struct disp_lane *next;
};

struct disp_number {
    char *phone_number_id;
    double rate; /* configured msg/s for the whole number (before share) */
    struct disp_bucket bucket;
    struct disp_lane *lanes;
    struct disp_lane *rr;                       /* next lane to serve */
    struct disp_entry *ready_head, *ready_tail; /* claimed, waiting for the send window */
    size_t ahead; /* claiming + ready: claimed (or being claimed), not yet sent */
    size_t queued;
    int blocked; /* token/permission/policy: hold jobs */
    char block_reason[160];
    int64_t next_probe_ms; /* when blocked: next time one job may test the number */
    struct disp_number *next;
};

struct disp_campaign {
    int64_t id;
    int running;
    int loaded; /* a refresh succeeded since it was added: `running` is meaningful */
    int known;  /* a row was found */
    double cap; /* campaign's own msg/s cap; 0 = none */
    struct disp_bucket cap_bucket;
    double cap_bucket_rate;
    int64_t last_used_ms;
    struct disp_campaign *next;
};

struct disp_metrics {
    herald_counter *sent, *failed, *retried, *uncertain, *throttled, *skipped_not_running,
        *duplicates, *reproduced, *claim_waits, *invalid_jobs, *pg_errors, *http_requests,
        *opted_out, *campaigns_stopped, *campaigns_paused;
    herald_counter *in_flight, *queued, *delayed, *rate, *number_blocked, *share, *window_peak,
        *cap_window_peak;
};

struct disp_ctx {
    /* filled by the host from the config section (config_map in dispatcher.c) */
    char *api_base_url;
    char *api_version;
    char *access_token;
    double rate_per_second;
    char *rate_overrides;
    double rate_safety;
    int64_t max_concurrency;
    int64_t http_connections;
    int64_t claim_ahead_ms;
    int64_t request_timeout_ms;
    int64_t connect_timeout_ms;
    int64_t max_attempts;
    int64_t backoff_initial_ms;
    int64_t backoff_max_ms;
    int64_t pair_interval_ms;
    int resend_uncertain;
    int retry_ambiguous;
    int64_t stale_claim_ms;
    int64_t number_recheck_ms;
    int64_t campaign_refresh_ms;
    int64_t http_budget_ms;
    int64_t claim_batch;
    int64_t batch_interval_ms;
    char *jobs_topic;
    char *events_topic;

    /* runtime */
    herald_host *host;
    const struct herald_host_api *api;
    struct disp_metrics m;
    char claimer[192];
    double share;
    int draining;
    struct disp_http *http;
    struct disp_pg_worker *pg; /* claims and resolutions, own connection and thread */
    struct pair_limiter *pairs;
    struct disp_delay_queue delayed;
    struct disp_number *numbers;
    struct disp_campaign *campaigns;
    int64_t campaigns_refreshed_ms;
    int64_t campaigns_refreshed_wall_ms; /* wall clock of the last successful refresh */
    int64_t pairs_pruned_ms;
    int64_t claimed_ms, resolved_ms; /* last claim / resolution batch */
    struct disp_index held;          /* (campaign, recipient) -> entry, for duplicate jobs */
    /* batches built during one pump pass */
    struct disp_entry *to_claim, *to_resolve;
    struct disp_entry *to_inspect; /* jobs of campaigns not running: rows to look at */
    size_t n_queued, n_claiming, n_in_flight, n_resolving; /* claiming includes READY */
    size_t n_to_claim, n_to_resolve;                       /* not yet submitted to the worker */
};

/* The jobs this instance currently holds, by (campaign, recipient): dispatcher_index.c. */
static inline struct disp_entry *disp_held_entry(struct disp_index_node *n)
{
    return n ? (struct disp_entry *)((char *)n - offsetof(struct disp_entry, held)) : NULL;
}

static inline struct disp_entry *disp_held_find(struct disp_ctx *c, int64_t campaign_id,
                                                int64_t recipient_id)
{
    return disp_held_entry(disp_index_find(&c->held, campaign_id, recipient_id));
}

static inline void disp_held_add(struct disp_ctx *c, struct disp_entry *e)
{
    e->held.campaign_id = e->job.campaign_id;
    e->held.recipient_id = e->job.recipient_id;
    disp_index_add(&c->held, &e->held);
}

/* dispatcher_lanes.c: numbers, their buckets and lanes. */
struct disp_number *disp_number_get(struct disp_ctx *c, const char *phone_number_id);
void disp_lane_push(struct disp_ctx *c, struct disp_entry *e, int at_head);
/* Next job of the number whose campaign may send now (round-robin over lanes), or NULL. */
struct disp_entry *disp_lane_next(struct disp_ctx *c, struct disp_number *n, int64_t now_ms);
void disp_numbers_apply_rates(struct disp_ctx *c, int64_t now_ms);
/* Removes every queued entry for which drop(e) returns 1 and hands it to `dispose`. */
void disp_lanes_filter(struct disp_ctx *c, int (*drop)(struct disp_entry *e, void *arg),
                       void (*dispose)(struct disp_ctx *c, struct disp_entry *e), void *arg);
void disp_numbers_free(struct disp_ctx *c);

/* dispatcher_campaign_cache.c: status and cap per campaign, refreshed every 200 ms. */
struct disp_campaign *disp_campaign_get(struct disp_ctx *c, int64_t id, int64_t now_ms);
void disp_campaigns_refresh(struct disp_ctx *c, int64_t now_ms, int force);
void disp_campaign_set_cap_rate(struct disp_ctx *c, struct disp_campaign *k, int64_t now_ms);
void disp_campaigns_free(struct disp_ctx *c);

/* dispatcher_claims.c: PostgreSQL claim and resolution, submitted to the worker thread
 * (dispatcher_pg_worker.c); their completions run in disp_pg_collect(). */
void disp_claims_run(struct disp_ctx *c, int64_t now_ms);
/* A job whose campaign is not running: its row is looked at (batched, at the next flush)
 * before the job is completed unsent. */
void disp_claims_inspect(struct disp_ctx *c, struct disp_entry *e);
void disp_claims_inspect_flush(struct disp_ctx *c);
int disp_resolve_flush(struct disp_ctx *c);
/* A running (or scheduled/paused) campaign set `failed`, or with `pause` a running one set
 * `paused`, with `reason` as its status_reason. */
int disp_campaign_stop(struct disp_ctx *c, int64_t campaign_id, const char *reason, int pause);
void disp_contact_opt_out(struct disp_ctx *c, const char *phone);

/* dispatcher_flow.c: the pump and job completion. */
void disp_pump(struct disp_ctx *c, int64_t now_ms, int64_t budget_ms);
/* A claimed job: queue it on its number until the send window lets it go. */
void disp_ready(struct disp_ctx *c, struct disp_entry *e);
void disp_complete(struct disp_ctx *c, struct disp_entry *e, herald_status st, const char *reason);
int disp_produce_accepted(struct disp_ctx *c, struct disp_entry *e, const char *wamid,
                          int64_t ts_ms, int attempts);
int disp_produce_failed(struct disp_ctx *c, struct disp_entry *e, int code, const char *title,
                        int64_t ts_ms, int attempts);
void disp_refund_tokens(struct disp_ctx *c, struct disp_entry *e);
/* A job that will not be sent now gives up its recipient's pair-interval reservation. */
void disp_pair_unreserve(struct disp_ctx *c, struct disp_entry *e);
int64_t disp_wall_ms(void);
/* ms until the pump has something to do (0 = now), or -1 when it is idle. */
int64_t disp_next_work_ms(struct disp_ctx *c, int64_t now_ms);

#endif
