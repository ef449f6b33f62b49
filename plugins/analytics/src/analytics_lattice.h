/*
 * analytics_lattice.h - the per-recipient delivery status as a lattice.
 *
 * Why: Meta delivers statuses at least once and in any order, and may skip `delivered`. If
 * each event is turned into "the earliest time each step was reached" and states are merged by
 * taking the earliest time per step, then any order and any number of duplicates give the same
 * state (merge is commutative, associative and idempotent) and nothing ever moves backwards.
 * Steps: accepted < sent < delivered < read; an event for a step implies all lower steps (read
 * implies delivered). `failed` is a separate terminal flag: the earliest failure wins, ties
 * broken by code then title. The SQL fold (migrations/041) implements exactly this merge; this
 * C model is what the unit tests pin down and what the event parser uses.
 */
#ifndef HERALD_ANALYTICS_LATTICE_H
#define HERALD_ANALYTICS_LATTICE_H

#include <stdint.h>

typedef enum analytics_event_type {
    ANALYTICS_EV_ACCEPTED = 1,
    ANALYTICS_EV_SENT = 2,
    ANALYTICS_EV_DELIVERED = 3,
    ANALYTICS_EV_READ = 4,
    ANALYTICS_EV_FAILED = 5,
} analytics_event_type;

/* All times are Unix milliseconds; 0 means "not reached". error_title is borrowed. */
struct analytics_state {
    int64_t accepted_ms;
    int64_t sent_ms;
    int64_t delivered_ms;
    int64_t read_ms;
    int64_t failed_ms;
    int32_t error_code;
    const char *error_title;
    int64_t replied_ms;
};

/* "accepted" -> ANALYTICS_EV_ACCEPTED ...; returns 0, or -1 for an unknown name. */
int analytics_event_type_parse(const char *name, analytics_event_type *out);
const char *analytics_event_type_name(analytics_event_type type);

/* The state one event contributes. A failure that carries a wamid was accepted by the API
 * first (a webhook failure), so it also implies `accepted` at the same time. */
void analytics_state_from_event(analytics_event_type type, int64_t ts_ms, int has_wamid,
                                int32_t error_code, const char *error_title,
                                struct analytics_state *out);

/* into := into merged with from. */
void analytics_state_merge(struct analytics_state *into, const struct analytics_state *from);

/* 1 when both states are the same lattice point (titles compared by content). */
int analytics_state_equal(const struct analytics_state *a, const struct analytics_state *b);

/* Highest status for display: "failed" if failed, else "read", "delivered", "sent",
 * "accepted" or "pending". */
const char *analytics_state_status(const struct analytics_state *s);

#endif
