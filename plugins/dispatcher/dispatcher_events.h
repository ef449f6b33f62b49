/*
 * dispatcher_events.h - the dispatcher's messages on `delivery-events` (docs/architecture.md):
 * `accepted` (with wamid) and `failed` (with code, title, attempts).
 *
 * Why deterministic event ids ("d-<campaign>-<recipient>-accepted"): the same event may be
 * produced twice (a redelivered job re-produces it), and analytics dedupes by event_id.
 */
#ifndef HERALD_DISPATCHER_EVENTS_H
#define HERALD_DISPATCHER_EVENTS_H

#include <stdint.h>

/* Each returns a malloc'd compact JSON string (caller frees) or NULL. */
char *disp_event_accepted(int64_t campaign_id, int64_t recipient_id, const char *phone,
                          const char *wamid, int64_t ts_ms, int attempts);
char *disp_event_failed(int64_t campaign_id, int64_t recipient_id, const char *phone, int code,
                        const char *title, int64_t ts_ms, int attempts);

#endif
