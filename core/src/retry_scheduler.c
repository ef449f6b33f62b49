/*
 * retry_scheduler.c - binary min-heap of (due time, message) (see header).
 */
#include "retry_scheduler.h"

#include <stdlib.h>
#include <string.h>

void retry_scheduler_init(struct retry_scheduler *r)
{
    memset(r, 0, sizeof *r);
}

void retry_scheduler_free(struct retry_scheduler *r)
{
    free(r->heap);
    retry_scheduler_init(r);
}

static void swap(struct retry_item *a, struct retry_item *b)
{
    struct retry_item t = *a;
    *a = *b;
    *b = t;
}

int retry_scheduler_add(struct retry_scheduler *r, int64_t due_ms, void *item)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct retry_item *h = realloc(r->heap, cap * sizeof *h);
        if (!h)
            return -1;
        r->heap = h;
        r->cap = cap;
    }
    size_t i = r->n++;
    r->heap[i].due_ms = due_ms;
    r->heap[i].item = item;
    while (i > 0 && r->heap[(i - 1) / 2].due_ms > r->heap[i].due_ms) {
        swap(&r->heap[(i - 1) / 2], &r->heap[i]);
        i = (i - 1) / 2;
    }
    return 0;
}

void *retry_scheduler_pop_due(struct retry_scheduler *r, int64_t now_ms)
{
    if (r->n == 0 || r->heap[0].due_ms > now_ms)
        return NULL;
    void *item = r->heap[0].item;
    r->heap[0] = r->heap[--r->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < r->n && r->heap[l].due_ms < r->heap[m].due_ms)
            m = l;
        if (l + 1 < r->n && r->heap[l + 1].due_ms < r->heap[m].due_ms)
            m = l + 1;
        if (m == i)
            break;
        swap(&r->heap[i], &r->heap[m]);
        i = m;
    }
    return item;
}

int64_t retry_scheduler_next_due(const struct retry_scheduler *r)
{
    return r->n ? r->heap[0].due_ms : -1;
}

size_t retry_scheduler_size(const struct retry_scheduler *r)
{
    return r->n;
}
