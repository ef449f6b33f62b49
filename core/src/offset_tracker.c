/*
 * offset_tracker.c - lowest-incomplete-offset tracking for one partition (see header).
 *
 * A sorted array used as a deque: offsets arrive in increasing order, so appends are O(1);
 * completion is a binary search; completed entries at the front are popped and advance the
 * storable offset. Memory is compacted when the dead front grows past half the array.
 */
#include "offset_tracker.h"

#include <stdlib.h>
#include <string.h>

void offset_tracker_init(struct offset_tracker *t)
{
    memset(t, 0, sizeof *t);
    t->next_store = -1;
    t->last_stored = -1;
}

void offset_tracker_free(struct offset_tracker *t)
{
    free(t->items);
    offset_tracker_init(t);
}

void offset_tracker_reset(struct offset_tracker *t)
{
    t->head = t->tail = 0;
    t->next_store = -1;
    t->last_stored = -1;
}

static int grow(struct offset_tracker *t)
{
    if (t->head > 0) {
        memmove(t->items, t->items + t->head, (t->tail - t->head) * sizeof *t->items);
        t->tail -= t->head;
        t->head = 0;
        if (t->tail < t->cap)
            return 0;
    }
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct offset_entry *n = realloc(t->items, cap * sizeof *n);
    if (!n)
        return -1;
    t->items = n;
    t->cap = cap;
    return 0;
}

int offset_tracker_add(struct offset_tracker *t, int64_t offset)
{
    if (t->tail > t->head && t->items[t->tail - 1].offset >= offset)
        return OFFSET_TRACKER_SEEN;
    if (t->next_store > offset)
        return OFFSET_TRACKER_SEEN;
    if (t->tail == t->cap && grow(t))
        return -1;
    t->items[t->tail].offset = offset;
    t->items[t->tail].done = 0;
    t->tail++;
    return 0;
}

static void pop_done(struct offset_tracker *t)
{
    while (t->head < t->tail && t->items[t->head].done) {
        t->next_store = t->items[t->head].offset + 1;
        t->head++;
    }
    if (t->head == t->tail)
        t->head = t->tail = 0;
    else if (t->head > t->cap / 2)
        grow(t); /* compacts without growing: head > 0 frees room */
}

int offset_tracker_complete(struct offset_tracker *t, int64_t offset)
{
    size_t lo = t->head, hi = t->tail;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->items[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == t->tail || t->items[lo].offset != offset || t->items[lo].done)
        return -1;
    t->items[lo].done = 1;
    pop_done(t);
    return 0;
}

size_t offset_tracker_pending(const struct offset_tracker *t)
{
    size_t n = 0;
    for (size_t i = t->head; i < t->tail; i++)
        n += !t->items[i].done;
    return n;
}

int offset_tracker_take(struct offset_tracker *t, int64_t *out)
{
    if (t->next_store < 0 || t->next_store == t->last_stored)
        return 0;
    t->last_stored = t->next_store;
    *out = t->next_store;
    return 1;
}
