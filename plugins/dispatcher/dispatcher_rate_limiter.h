/*
 * dispatcher_rate_limiter.h - a token bucket with adaptive backoff, one per business phone
 * number (and one per campaign that has its own, lower cap).
 *
 * Why a bucket AND a 1-second window: the Cloud API counts messages per second per number.
 * A bucket of rate r and capacity b can emit r + b messages in a 1-second window, and a late
 * tick either loses tokens (b small: the average drops) or bursts (b large: the window
 * overflows). So the bucket (which paces claims) keeps a burst (0.25 s by default; the
 * dispatcher sets claim_ahead_ms for numbers), enough to ride out a
 * slow database commit, and a sliding log of the last second's send times, checked when the
 * request leaves, refuses the send over floor(r) less a 0.5 % jitter margin in any 1000 ms.
 * With N instances each bucket gets `share` (owned / total `jobs` partitions) of the target so the
 * sum holds.
 */
#ifndef HERALD_DISPATCHER_RATE_LIMITER_H
#define HERALD_DISPATCHER_RATE_LIMITER_H

#include <stdint.h>

struct disp_bucket {
    double target; /* configured msg/s for this instance (rate * share) */
    double safety; /* tokens run at target * factor * safety (default 1) */
    double factor; /* adaptive multiplier in [min_factor, 1]; cut on throttling */
    double tokens;
    double capacity;
    double burst_s;       /* capacity in seconds of traffic (default 0.25) */
    int64_t last_ms;      /* last refill */
    int64_t throttled_ms; /* last time the API said "too fast" */
    int64_t recovered_ms; /* last recovery step */
    int64_t *window;      /* ring of send times within the last second (window_cap slots) */
    int window_cap;       /* max sends in any 1000 ms; 0 = no window (rate below 1/s) */
    int window_len;
    int window_head; /* index of the oldest entry */
    int window_alloc;
    int window_peak; /* most sends ever counted in one 1000 ms window (send times) */
    double tat_ms;   /* pacing: the theoretical time of the next send at the token rate */
};

/* Returns 0, -1 on out of memory. */
int disp_bucket_init(struct disp_bucket *b, double rate, int64_t now_ms);
void disp_bucket_free(struct disp_bucket *b);
/* Tokens run at rate * safety (a margin below the limit); the 1-second window keeps the
 * limit itself, less ~10 ms of traffic (at least 1 from 20/s up) for network jitter. */
void disp_bucket_set_safety(struct disp_bucket *b, double safety);
/* Capacity in seconds of traffic: 0.25 for a number (rides out a slow claim commit); a
 * campaign cap keeps less so its first second is not a burst. */
void disp_bucket_set_burst(struct disp_bucket *b, double seconds);
/* Change the target rate (rebalance, campaign cap change) keeping the adaptive factor. */
void disp_bucket_set_rate(struct disp_bucket *b, double rate, int64_t now_ms);
/* Refill and take one token (admission: paces claims). Returns 1 when a token was taken. */
int disp_bucket_take(struct disp_bucket *b, int64_t now_ms);
/* Give back a token taken for a send that did not happen (claim refused). */
void disp_bucket_refund(struct disp_bucket *b);
/* Milliseconds until a token is available (0 = now). */
int64_t disp_bucket_wait_ms(struct disp_bucket *b, int64_t now_ms);
/* The moment a request really goes out: 1 and recorded when fewer than floor(rate) sends
 * happened in the last 1000 ms and the send is not ahead of its paced schedule (one send every
 * 1/rate, at most max(20 ms, one interval) early), else 0 (hold the request). Checked at send
 * time, not at admission, so claim latency cannot bunch sends into one window. */
int disp_bucket_send(struct disp_bucket *b, int64_t now_ms);
/* 0 when disp_bucket_send would admit now, else the milliseconds to wait (rounded so that
 * one wake-up releases a few sends rather than one). */
int64_t disp_bucket_send_wait_ms(struct disp_bucket *b, int64_t now_ms);
/* The API answered a throughput error: cut the rate by 20 % (not below 5 % of target).
 * Repeated reports within 200 ms count once, since in-flight requests all fail together. */
void disp_bucket_throttled(struct disp_bucket *b, int64_t now_ms);
/* Current effective token rate in msg/s (target * factor * safety). */
double disp_bucket_rate(const struct disp_bucket *b);

#endif
