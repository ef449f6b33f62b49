/*
 * Decides what Meta would report about one accepted message, and when: sent -> delivered ->
 * read at multiples of webhook_delay_ms plus jitter, a share failed instead (with a code
 * from fail_codes), a share answered by an inbound reply (half quoting the message through
 * context.id — as a quick-reply button or as text — half not), and on purpose some events
 * duplicated and some messages' statuses swapped in time, because the real platform
 * delivers at-least-once and out of order. Pure: draws only from mock_random.
 */
#ifndef MOCK_WEBHOOK_PLANNER_H
#define MOCK_WEBHOOK_PLANNER_H

#include "mock_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MOCK_MAX_PLANNED 16

typedef enum {
    MOCK_EV_SENT,
    MOCK_EV_DELIVERED,
    MOCK_EV_READ,
    MOCK_EV_FAILED,
    MOCK_EV_REPLY,
} mock_event_kind_t;

typedef enum {
    MOCK_REPLY_PLAIN_TEXT,    /* no context */
    MOCK_REPLY_QUOTED_TEXT,   /* text with context.id = the business message */
    MOCK_REPLY_QUOTED_BUTTON, /* quick-reply button: always carries context */
} mock_reply_style_t;

typedef struct mock_planned_event {
    mock_event_kind_t kind;
    int64_t delay_ms;    /* when it is posted, after acceptance */
    int64_t happened_ms; /* when it happened (its timestamp); differs from delay_ms when
                            reordered, so a late "sent" still carries the earlier time */
    int error_code;      /* MOCK_EV_FAILED */
    mock_reply_style_t reply_style;
    bool stop;      /* MOCK_EV_REPLY: an opt-out ("STOP" / the "Stop promotions" button) */
    bool duplicate; /* a deliberate second copy */
} mock_planned_event_t;

typedef struct mock_plan {
    mock_planned_event_t events[MOCK_MAX_PLANNED];
    size_t n;
    bool reordered;
    size_t duplicates;
} mock_plan_t;

/* forced_fail_code != 0: the message fails with that code (permanent error by webhook). */
void mock_webhook_plan(const mock_config_t *cfg, int forced_fail_code, mock_plan_t *plan);

const char *mock_event_status_name(mock_event_kind_t kind);

#endif
