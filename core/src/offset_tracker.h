/*
 * offset_tracker.h - which offset of one partition may be stored for commit.
 *
 * Why: messages of a partition complete out of order (retries, async HTTP), but Kafka keeps
 * one committed offset per partition. The safe value is "the lowest offset still incomplete"
 * (or one past the last completed when nothing is pending); storing anything higher would
 * lose the incomplete message on a crash. Pure logic, unit-tested without Kafka.
 */
#ifndef HERALD_OFFSET_TRACKER_H
#define HERALD_OFFSET_TRACKER_H

#include <stddef.h>
#include <stdint.h>

struct offset_entry {
    int64_t offset;
    int done;
};

struct offset_tracker {
    struct offset_entry *items; /* sorted by offset, live range [head, tail) */
    size_t head, tail, cap;
    int64_t next_store;  /* offset to store once nothing before it is pending; -1 = none */
    int64_t last_stored; /* last value handed out by offset_tracker_take; -1 = none */
};

void offset_tracker_init(struct offset_tracker *t);
void offset_tracker_free(struct offset_tracker *t);
/* Forget everything (partition revoked or reassigned). */
void offset_tracker_reset(struct offset_tracker *t);
/* A message was handed out. Returns 0, OFFSET_TRACKER_SEEN (and ignores it) when `offset` is
 * not above every offset handed out since the last reset (the client delivered it again), or
 * -1 when out of memory. */
#define OFFSET_TRACKER_SEEN 1
int offset_tracker_add(struct offset_tracker *t, int64_t offset);
/* The message is complete. Returns -1 if the offset is not tracked. */
int offset_tracker_complete(struct offset_tracker *t, int64_t offset);
/* Number of tracked, incomplete messages. */
size_t offset_tracker_pending(const struct offset_tracker *t);
/* If the storable offset advanced since the last call, sets *out (the offset to store, i.e.
 * the next message to consume) and returns 1; else 0. */
int offset_tracker_take(struct offset_tracker *t, int64_t *out);

#endif
