/*
 * Timestamps of the events inside the last window_ms, in a growable ring.
 *
 * Used twice: by the throughput limiter (admit only while fewer than N sends happened in the
 * last second) and by the send statistics (the largest number of sends in ANY 1-second
 * window, which is what a test of "never more than 200 msg/s" must check — calendar
 * seconds would hide a burst straddling a second boundary). Not thread-safe: callers lock.
 */
#ifndef MOCK_SLIDING_WINDOW_H
#define MOCK_SLIDING_WINDOW_H

#include <stddef.h>
#include <stdint.h>

typedef struct mock_sliding_window {
    int64_t *ts;
    size_t cap, head, len;
} mock_sliding_window_t;

void mock_sliding_window_init(mock_sliding_window_t *w);
void mock_sliding_window_free(mock_sliding_window_t *w);

/* Drops events at or before now_ms - window_ms; returns how many remain. */
size_t mock_sliding_window_expire(mock_sliding_window_t *w, int64_t now_ms, int64_t window_ms);

/* Records an event at now_ms (non-decreasing across calls); returns the count in the window. */
size_t mock_sliding_window_add(mock_sliding_window_t *w, int64_t now_ms, int64_t window_ms);

/*
 * Inserts an event that may be slightly older than the newest (threads record in a different
 * order than they were admitted) keeping the ring sorted, and returns the largest count of any
 * window (e - window_ms, e] whose count this event raised — so the running maximum over all
 * returns is the exact "most events in any window". Keeps 2 windows of history for late
 * events; an event older than that is counted in the ring but may be under-reported.
 */
size_t mock_sliding_window_insert(mock_sliding_window_t *w, int64_t ts_ms, int64_t window_ms);

/* Adds an event only if fewer than limit are in the window. Returns 1 if added, else 0. */
int mock_sliding_window_admit(mock_sliding_window_t *w, int64_t now_ms, int64_t window_ms,
                              size_t limit);

#endif
