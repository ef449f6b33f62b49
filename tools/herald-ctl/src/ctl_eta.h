/*
 * ctl_eta.h - send rate and time-to-finish arithmetic for `herald-ctl watch`.
 *
 * Why this exists: the analytics view gives a rate and an ETA, but they may be missing (view
 * not yet created, campaign just started) and the watch loop must still show a sensible
 * figure. The rate is measured over a sliding window of recent samples so one slow poll does
 * not make the ETA jump. Pure functions, unit-tested.
 */
#ifndef HERALD_CTL_ETA_H
#define HERALD_CTL_ETA_H

#include <stddef.h>

#define CTL_RATE_WINDOW 64

/* Samples (time in seconds, monotonically increasing count) spanning at most `span_s`. */
struct ctl_rate_window {
    double span_s;
    double t[CTL_RATE_WINDOW];
    long long v[CTL_RATE_WINDOW];
    int n; /* samples held, oldest at index 0 */
};

void ctl_rate_init(struct ctl_rate_window *w, double span_s);

/* Adds a sample; drops samples older than span_s before t (keeps at least two). */
void ctl_rate_add(struct ctl_rate_window *w, double t, long long value);

/* Items per second across the window; 0 when fewer than two samples or no time elapsed. */
double ctl_rate_per_second(const struct ctl_rate_window *w);

/* Seconds between the oldest and the newest sample (0 with fewer than two). */
double ctl_rate_span(const struct ctl_rate_window *w);

/* Seconds until `remaining` items are done at `rate`: 0 when nothing remains, -1 unknown. */
double ctl_eta_seconds(long long remaining, double rate);

/* "--" (unknown, negative), "45s", "2m17s", "1h02m", "3d04h". Always NUL-terminates. */
void ctl_format_duration(double seconds, char *buf, size_t len);

#endif
