/*
 * Binary min-heap (see mock_min_heap.h).
 */
#include "mock_min_heap.h"

#include <stdlib.h>
#include <string.h>

void mock_min_heap_init(mock_min_heap_t *h)
{
    memset(h, 0, sizeof *h);
}

void mock_min_heap_free(mock_min_heap_t *h)
{
    free(h->items);
    memset(h, 0, sizeof *h);
}

static int before(const mock_heap_item_t *a, const mock_heap_item_t *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->tie < b->tie);
}

static void swap(mock_heap_item_t *a, mock_heap_item_t *b)
{
    mock_heap_item_t t = *a;
    *a = *b;
    *b = t;
}

void mock_min_heap_push(mock_min_heap_t *h, int64_t due_ms, void *value)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        mock_heap_item_t *items = realloc(h->items, cap * sizeof *items);
        if (!items)
            abort();
        h->items = items;
        h->cap = cap;
    }
    size_t i = h->len++;
    h->items[i] = (mock_heap_item_t){due_ms, h->next_tie++, value};
    while (i > 0 && before(&h->items[i], &h->items[(i - 1) / 2])) {
        swap(&h->items[i], &h->items[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

const mock_heap_item_t *mock_min_heap_peek(const mock_min_heap_t *h)
{
    return h->len ? &h->items[0] : NULL;
}

void *mock_min_heap_pop(mock_min_heap_t *h)
{
    if (!h->len)
        return NULL;
    void *value = h->items[0].value;
    h->items[0] = h->items[--h->len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && before(&h->items[l], &h->items[m]))
            m = l;
        if (r < h->len && before(&h->items[r], &h->items[m]))
            m = r;
        if (m == i)
            break;
        swap(&h->items[i], &h->items[m]);
        i = m;
    }
    return value;
}
