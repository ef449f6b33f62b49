/*
 * Process-wide counters shown by GET /mock/stats and GET /metrics: accepted sends,
 * rejections by Meta error code, injected faults and the webhook sender's outcomes.
 * Lock-free atomics, because they are bumped on every request.
 */
#ifndef MOCK_COUNTERS_H
#define MOCK_COUNTERS_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>

#define MOCK_MAX_ERROR_CODES 64

typedef struct mock_counters {
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t accepted;
    atomic_uint_fast64_t rejected;
    atomic_int_fast64_t rejected_code[MOCK_MAX_ERROR_CODES]; /* 0 = free slot */
    atomic_uint_fast64_t rejected_count[MOCK_MAX_ERROR_CODES];
    atomic_uint_fast64_t fault_5xx;
    atomic_uint_fast64_t fault_timeout;
    atomic_uint_fast64_t fault_timeout_accepted;
    /* webhooks */
    atomic_uint_fast64_t wh_enqueued;       /* accepted sends handed to the webhook thread */
    atomic_uint_fast64_t wh_queue_dropped;  /* queue full: send accepted, no webhooks */
    atomic_uint_fast64_t wh_events_dropped; /* schedule full */
    atomic_uint_fast64_t wh_events;         /* status/reply events planned */
    atomic_uint_fast64_t wh_statuses;       /* status objects delivered (200) */
    atomic_uint_fast64_t wh_replies;        /* inbound messages delivered (200) */
    atomic_uint_fast64_t wh_stop_replies;   /* of those, opt-outs (stop_share) */
    atomic_uint_fast64_t wh_duplicates;     /* events planned twice on purpose */
    atomic_uint_fast64_t wh_reordered;      /* messages whose events were swapped */
    atomic_uint_fast64_t wh_posts;          /* POST attempts */
    atomic_uint_fast64_t wh_posts_ok;       /* attempts answered 200 */
    atomic_uint_fast64_t wh_posts_failed;   /* attempts not answered 200 */
    atomic_uint_fast64_t wh_retried;        /* attempts scheduled again */
    atomic_uint_fast64_t wh_given_up;       /* POSTs abandoned after the last attempt */
    atomic_uint_fast64_t wh_batched_posts;  /* POSTs carrying more than one status */
    atomic_int_fast64_t wh_pending;         /* events + POSTs waiting or in flight */
} mock_counters_t;

void mock_counters_reset(mock_counters_t *c);

void mock_counters_count_rejection(mock_counters_t *c, int code);

/* {"accepted":..,"rejected":{"130429":n,..},"rejected_total":..,"faults":{..},"webhooks":{..}} */
void mock_counters_stats(const mock_counters_t *c, json_t *obj);

/* Prometheus text lines appended through the callback. */
void mock_counters_metrics(const mock_counters_t *c, void (*put)(void *ctx, const char *line),
                           void *ctx);

#endif
