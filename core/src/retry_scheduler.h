/*
 * retry_scheduler.h - messages waiting for their next attempt, ordered by due time.
 *
 * Why a heap and not a per-partition queue: a retried message must not block the messages
 * behind it (the partition keeps flowing), so retries live outside the consume order and
 * only the due time matters.
 */
#ifndef HERALD_RETRY_SCHEDULER_H
#define HERALD_RETRY_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

struct retry_item {
    int64_t due_ms;
    void *item;
};

struct retry_scheduler {
    struct retry_item *heap;
    size_t n, cap;
};

void retry_scheduler_init(struct retry_scheduler *r);
void retry_scheduler_free(struct retry_scheduler *r);
int retry_scheduler_add(struct retry_scheduler *r, int64_t due_ms, void *item);
/* Pops one item due at or before now_ms; NULL when none. */
void *retry_scheduler_pop_due(struct retry_scheduler *r, int64_t now_ms);
/* Due time of the earliest item, or -1 when empty. */
int64_t retry_scheduler_next_due(const struct retry_scheduler *r);
size_t retry_scheduler_size(const struct retry_scheduler *r);

#endif
