/*
 * analytics_merge.h - fold the events of one batch per recipient before they reach SQL.
 *
 * Why: a batch often holds several events of the same recipient (sent and delivered a second
 * apart, Meta's duplicates, Kafka replays). Merging them here with the lattice rules
 * (analytics_lattice.h) sends PostgreSQL one staging row per recipient instead of one per event,
 * which is exactly what the SQL fold would have computed from them (same merge, same tie
 * breaks, min() of wamid and phone), only cheaper. The map owns copies of its strings.
 */
#ifndef HERALD_ANALYTICS_MERGE_H
#define HERALD_ANALYTICS_MERGE_H

#include "analytics_event.h"
#include "analytics_lattice.h"

#include <stddef.h>
#include <stdint.h>

struct analytics_merge_entry {
    int64_t campaign_id;
    int64_t recipient_id;
    char *wamid; /* owned; NULL = none */
    char *phone; /* owned; NULL = none */
    char *title; /* owned; the winning failure's title (state.error_title points here) */
    struct analytics_state state;
};

struct analytics_merge {
    struct analytics_merge_entry *entries; /* in first-seen order */
    size_t n;
    size_t cap;
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t nslots;   /* power of two */
    int failed;      /* out of memory: the contents are unusable */
};

void analytics_merge_init(struct analytics_merge *m);
void analytics_merge_reset(struct analytics_merge *m); /* keeps the memory */
void analytics_merge_free(struct analytics_merge *m);

/* Merge a keyed event (campaign_id and recipient_id set). Returns 0, or -1 when out of memory
 * (then m->failed is set). */
int analytics_merge_add(struct analytics_merge *m, const struct analytics_event *ev);

#endif
