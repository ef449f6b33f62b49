/*
 * analytics_event.h - one `delivery-events` message, validated (see docs/architecture.md).
 *
 * Why its own file: the dispatcher (accepted, failed) and the webhook gateway (sent, delivered,
 * read, failed) produce these; analytics must accept every well-formed variant, including the
 * one that knows only the wamid, and refuse anything else with a reason instead of failing
 * the batch in SQL.
 */
#ifndef HERALD_ANALYTICS_EVENT_H
#define HERALD_ANALYTICS_EVENT_H

#include "analytics_lattice.h"

#include <stddef.h>
#include <stdint.h>

#define ANALYTICS_WAMID_MAX 256
#define ANALYTICS_PHONE_MAX 32
#define ANALYTICS_TITLE_MAX 512

struct analytics_event {
    analytics_event_type type;
    int64_t campaign_id;  /* 0 = not given (resolve through the wamid) */
    int64_t recipient_id; /* 0 = not given; set only together with campaign_id */
    char wamid[ANALYTICS_WAMID_MAX];
    char phone[ANALYTICS_PHONE_MAX];
    int64_t ts_ms;
    int32_t error_code; /* 0 = none given */
    char error_title[ANALYTICS_TITLE_MAX];
};

/* Parse and validate. fallback_ts_ms (the Kafka timestamp) stands in for a missing ts_ms.
 * Returns 0, or -1 with a one-line reason in err. */
int analytics_event_parse(const char *json, size_t len, int64_t fallback_ts_ms,
                          struct analytics_event *ev, char *err, size_t errlen);

/* The lattice state this event contributes (borrows ev->error_title). */
void analytics_event_state(const struct analytics_event *ev, struct analytics_state *out);

#endif
