/*
 * Ring of recent timestamps (see mock_sliding_window.h).
 */
#include "mock_sliding_window.h"

#include <stdlib.h>
#include <string.h>

void mock_sliding_window_init(mock_sliding_window_t *w)
{
    memset(w, 0, sizeof *w);
}

void mock_sliding_window_free(mock_sliding_window_t *w)
{
    free(w->ts);
    memset(w, 0, sizeof *w);
}

size_t mock_sliding_window_expire(mock_sliding_window_t *w, int64_t now_ms, int64_t window_ms)
{
    while (w->len && w->ts[w->head] <= now_ms - window_ms) {
        w->head = (w->head + 1) % w->cap;
        w->len--;
    }
    return w->len;
}

static void grow(mock_sliding_window_t *w)
{
    size_t cap = w->cap ? w->cap * 2 : 64;
    int64_t *ts = malloc(cap * sizeof *ts);
    if (!ts)
        abort();
    for (size_t i = 0; i < w->len; i++)
        ts[i] = w->ts[(w->head + i) % w->cap];
    free(w->ts);
    w->ts = ts;
    w->cap = cap;
    w->head = 0;
}

size_t mock_sliding_window_add(mock_sliding_window_t *w, int64_t now_ms, int64_t window_ms)
{
    mock_sliding_window_expire(w, now_ms, window_ms);
    if (w->len == w->cap)
        grow(w);
    w->ts[(w->head + w->len) % w->cap] = now_ms;
    return ++w->len;
}

int mock_sliding_window_admit(mock_sliding_window_t *w, int64_t now_ms, int64_t window_ms,
                              size_t limit)
{
    if (mock_sliding_window_expire(w, now_ms, window_ms) >= limit)
        return 0;
    mock_sliding_window_add(w, now_ms, window_ms);
    return 1;
}

static int64_t at(const mock_sliding_window_t *w, size_t i)
{
    return w->ts[(w->head + i) % w->cap];
}

/* Index of the first element > value (elements are sorted). */
static size_t upper_bound(const mock_sliding_window_t *w, int64_t value)
{
    size_t lo = 0, hi = w->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (at(w, mid) <= value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t mock_sliding_window_insert(mock_sliding_window_t *w, int64_t ts_ms, int64_t window_ms)
{
    int64_t newest = w->len ? at(w, w->len - 1) : ts_ms;
    mock_sliding_window_expire(w, (newest > ts_ms ? newest : ts_ms) - window_ms, window_ms);
    if (w->len == w->cap)
        grow(w);
    size_t i = w->len++;
    while (i > 0 && at(w, i - 1) > ts_ms) { /* usually zero or a few steps */
        w->ts[(w->head + i) % w->cap] = at(w, i - 1);
        i--;
    }
    w->ts[(w->head + i) % w->cap] = ts_ms;
    /* Windows ending at this event or at any later one within window_ms gained one. */
    size_t best = 0;
    for (size_t j = i; j < w->len && at(w, j) < ts_ms + window_ms;) {
        int64_t end = at(w, j);
        size_t last = upper_bound(w, end);
        size_t count = last - upper_bound(w, end - window_ms);
        if (count > best)
            best = count;
        j = last;
    }
    return best;
}
