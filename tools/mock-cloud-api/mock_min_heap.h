/*
 * A binary min-heap of (due time, pointer) pairs. Both schedulers of the mock — delayed HTTP
 * answers and webhook events/retries — need "give me everything due by now" over many
 * pending items; a heap does it in O(log n) without sorting. Not thread-safe.
 */
#ifndef MOCK_MIN_HEAP_H
#define MOCK_MIN_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct mock_heap_item {
    int64_t due_ms;
    uint64_t tie; /* insertion order, so equal due times stay FIFO */
    void *value;
} mock_heap_item_t;

typedef struct mock_min_heap {
    mock_heap_item_t *items;
    size_t len, cap;
    uint64_t next_tie;
} mock_min_heap_t;

void mock_min_heap_init(mock_min_heap_t *h);
void mock_min_heap_free(mock_min_heap_t *h); /* does not free values */

void mock_min_heap_push(mock_min_heap_t *h, int64_t due_ms, void *value);

/* Earliest item, or NULL when empty. */
const mock_heap_item_t *mock_min_heap_peek(const mock_min_heap_t *h);

/* Removes and returns the earliest value (NULL when empty). */
void *mock_min_heap_pop(mock_min_heap_t *h);

#endif
