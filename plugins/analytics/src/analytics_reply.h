/*
 * analytics_reply.h - one `replies` message (an inbound WhatsApp message), validated.
 *
 * Why its own file: replies are stored once each and attributed to a campaign in SQL
 * (migrations/042); this is the gate that guarantees what reaches SQL is well-formed and
 * bounded (free text is cut at a character boundary, identifiers that do not fit are refused).
 */
#ifndef HERALD_ANALYTICS_REPLY_H
#define HERALD_ANALYTICS_REPLY_H

#include "analytics_event.h"

#include <stddef.h>
#include <stdint.h>

#define ANALYTICS_REPLY_TEXT_MAX  4096
#define ANALYTICS_REPLY_SHORT_MAX 256

struct analytics_reply {
    char wamid[ANALYTICS_WAMID_MAX];
    char from[ANALYTICS_PHONE_MAX];
    int64_t ts_ms;
    char type[ANALYTICS_REPLY_SHORT_MAX];         /* "" = not given */
    char text[ANALYTICS_REPLY_TEXT_MAX];          /* "" = not given */
    char context_id[ANALYTICS_WAMID_MAX];         /* "" = no context */
    char profile_name[ANALYTICS_REPLY_SHORT_MAX]; /* "" = not given */
};

/* Returns 0, or -1 with a one-line reason in err. fallback_ts_ms as for delivery events. */
int analytics_reply_parse(const char *json, size_t len, int64_t fallback_ts_ms,
                          struct analytics_reply *r, char *err, size_t errlen);

#endif
