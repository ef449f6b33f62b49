/*
 * emission_schedule.h - when the segmenter next looks at a running campaign's window.
 *
 * Why: an emission step counts the campaign's `queued` rows to size the next batch. With a
 * window of 20,000 that count reads 20,000 index entries (and their heap rows), and doing it
 * twice per 100 ms tick cost PostgreSQL more CPU than the emission itself (the segmenter's
 * backend used 12.6 CPU s for a 100,000-recipient campaign). So a step tops the window up
 * only once at least `threshold` recipients of room opened (a quarter of the window), and the
 * next step is planned from the drain rate measured between two counts: about one count per
 * top-up instead of ten a second. Pure bookkeeping, no I/O: unit-tested.
 */
#ifndef HERALD_SEGMENTER_EMISSION_SCHEDULE_H
#define HERALD_SEGMENTER_EMISSION_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

struct emission_slot {
    int64_t campaign_id;
    int64_t next_ms;      /* not looked at before this */
    int64_t counted_ms;   /* when `queued_after` was known */
    int64_t queued_after; /* queued rows right after the last step (count + emitted) */
    int counted;          /* queued_after is meaningful */
    int live;             /* seen running in the current tick (pruning) */
};

struct emission_schedule {
    struct emission_slot *slots;
    size_t n, cap;
    int64_t idle_max_ms; /* longest wait between two looks at a running campaign */
};

void emission_schedule_init(struct emission_schedule *es, int64_t idle_max_ms);
void emission_schedule_free(struct emission_schedule *es);

/* Room (free window slots) a step waits for before it emits: a quarter of the window, at
 * most one batch, at least 1. */
int64_t emission_threshold(int64_t window, int64_t batch_max);

/* 1 when the campaign should be stepped now (an unknown campaign is due at once). Marks it
 * live for emission_schedule_prune. Returns -1 when out of memory (treat as due). */
int emission_schedule_due(struct emission_schedule *es, int64_t campaign_id, int64_t now_ms);

/* A step counted `queued`, emitted `emitted` (0 when the room was under the threshold) and
 * found more pending rows (`pending_left`) or not; plans the next look. */
void emission_schedule_stepped(struct emission_schedule *es, int64_t campaign_id, int64_t now_ms,
                               int64_t queued, int64_t emitted, int64_t window, int64_t threshold,
                               int pending_left);

/* Every campaign is due at the next tick (a command changed something: resume, recovery). */
void emission_schedule_wake_all(struct emission_schedule *es);

/* Drops campaigns not marked live since the last prune (no longer running), then clears the
 * marks. */
void emission_schedule_prune(struct emission_schedule *es);

#endif
