/*
 * dispatcher_delay_queue.h - a min-heap of items keyed by the time they become due.
 *
 * Why in memory: a job waiting for its backoff must not block the partition, so it leaves the
 * send path and waits here; its Kafka offset stays uncommitted, so a crash redelivers it.
 */
#ifndef HERALD_DISPATCHER_DELAY_QUEUE_H
#define HERALD_DISPATCHER_DELAY_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct disp_delay_item {
    int64_t due_ms;
    uint64_t seq; /* FIFO among equal due times */
    void *item;
};

struct disp_delay_queue {
    struct disp_delay_item *heap;
    size_t len, cap;
    uint64_t next_seq;
};

/* Returns 0, -1 on out of memory. */
int disp_delay_push(struct disp_delay_queue *q, int64_t due_ms, void *item);
/* Pops the earliest item if due at now_ms; NULL otherwise. */
void *disp_delay_pop_due(struct disp_delay_queue *q, int64_t now_ms);
/* Pops the earliest item whatever its time (shutdown); NULL when empty. */
void *disp_delay_pop_any(struct disp_delay_queue *q);
/* Removes every item for which keep(item, arg) returns 0, calling drop(item, arg) on it. */
void disp_delay_filter(struct disp_delay_queue *q, int (*keep)(void *item, void *arg),
                       void (*drop)(void *item, void *arg), void *arg);
void disp_delay_free(struct disp_delay_queue *q);

#endif
