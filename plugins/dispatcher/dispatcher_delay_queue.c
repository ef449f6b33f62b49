/*
 * dispatcher_delay_queue.c - binary heap ordered by (due_ms, seq).
 */
#include "dispatcher_delay_queue.h"

#include <stdlib.h>

static int before(const struct disp_delay_item *a, const struct disp_delay_item *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void swap(struct disp_delay_item *a, struct disp_delay_item *b)
{
    struct disp_delay_item t = *a;
    *a = *b;
    *b = t;
}

static void sift_up(struct disp_delay_queue *q, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&q->heap[i], &q->heap[p]))
            break;
        swap(&q->heap[i], &q->heap[p]);
        i = p;
    }
}

static void sift_down(struct disp_delay_queue *q, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->len && before(&q->heap[l], &q->heap[m]))
            m = l;
        if (r < q->len && before(&q->heap[r], &q->heap[m]))
            m = r;
        if (m == i)
            return;
        swap(&q->heap[i], &q->heap[m]);
        i = m;
    }
}

int disp_delay_push(struct disp_delay_queue *q, int64_t due_ms, void *item)
{
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct disp_delay_item *h = realloc(q->heap, cap * sizeof(*h));
        if (!h)
            return -1;
        q->heap = h;
        q->cap = cap;
    }
    q->heap[q->len] = (struct disp_delay_item){due_ms, q->next_seq++, item};
    sift_up(q, q->len++);
    return 0;
}

void *disp_delay_pop_any(struct disp_delay_queue *q)
{
    if (q->len == 0)
        return NULL;
    void *item = q->heap[0].item;
    q->heap[0] = q->heap[--q->len];
    sift_down(q, 0);
    return item;
}

void *disp_delay_pop_due(struct disp_delay_queue *q, int64_t now_ms)
{
    if (q->len == 0 || q->heap[0].due_ms > now_ms)
        return NULL;
    return disp_delay_pop_any(q);
}

void disp_delay_filter(struct disp_delay_queue *q, int (*keep)(void *item, void *arg),
                       void (*drop)(void *item, void *arg), void *arg)
{
    size_t w = 0;
    for (size_t i = 0; i < q->len; i++) {
        if (keep(q->heap[i].item, arg))
            q->heap[w++] = q->heap[i];
        else
            drop(q->heap[i].item, arg);
    }
    q->len = w;
    for (size_t i = q->len / 2 + 1; i-- > 0;)
        sift_down(q, i);
}

void disp_delay_free(struct disp_delay_queue *q)
{
    free(q->heap);
    *q = (struct disp_delay_queue){0};
}
