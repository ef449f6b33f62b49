/*
 * analytics_lattice.c - merge rules of the per-recipient delivery lattice (see the header).
 */
#include "analytics_lattice.h"

#include <string.h>

static const char *const type_names[] = {NULL, "accepted", "sent", "delivered", "read", "failed"};

int analytics_event_type_parse(const char *name, analytics_event_type *out)
{
    if (!name)
        return -1;
    for (int t = ANALYTICS_EV_ACCEPTED; t <= ANALYTICS_EV_FAILED; t++) {
        if (strcmp(name, type_names[t]) == 0) {
            *out = (analytics_event_type)t;
            return 0;
        }
    }
    return -1;
}

const char *analytics_event_type_name(analytics_event_type type)
{
    if (type < ANALYTICS_EV_ACCEPTED || type > ANALYTICS_EV_FAILED)
        return "unknown";
    return type_names[type];
}

void analytics_state_from_event(analytics_event_type type, int64_t ts_ms, int has_wamid,
                                int32_t error_code, const char *error_title,
                                struct analytics_state *out)
{
    memset(out, 0, sizeof *out);
    if (type == ANALYTICS_EV_FAILED) {
        out->failed_ms = ts_ms;
        out->error_code = error_code;
        out->error_title = error_title;
        if (has_wamid)
            out->accepted_ms = ts_ms;
        return;
    }
    /* Each step implies every lower one, at the same time until its own event says earlier. */
    out->accepted_ms = ts_ms;
    if (type >= ANALYTICS_EV_SENT)
        out->sent_ms = ts_ms;
    if (type >= ANALYTICS_EV_DELIVERED)
        out->delivered_ms = ts_ms;
    if (type >= ANALYTICS_EV_READ)
        out->read_ms = ts_ms;
}

static int64_t earliest(int64_t a, int64_t b)
{
    if (a == 0)
        return b;
    if (b == 0)
        return a;
    return a < b ? a : b;
}

static int title_cmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Same order as analytics_failure_wins() in SQL: time, then code, then title. */
static int failure_wins(const struct analytics_state *n, const struct analytics_state *o)
{
    if (n->failed_ms == 0)
        return 0;
    if (o->failed_ms == 0 || n->failed_ms < o->failed_ms)
        return 1;
    if (n->failed_ms > o->failed_ms)
        return 0;
    if (n->error_code != o->error_code)
        return n->error_code < o->error_code;
    return title_cmp(n->error_title, o->error_title) < 0;
}

void analytics_state_merge(struct analytics_state *into, const struct analytics_state *from)
{
    if (failure_wins(from, into)) {
        into->failed_ms = from->failed_ms;
        into->error_code = from->error_code;
        into->error_title = from->error_title;
    }
    into->accepted_ms = earliest(into->accepted_ms, from->accepted_ms);
    into->sent_ms = earliest(into->sent_ms, from->sent_ms);
    into->delivered_ms = earliest(into->delivered_ms, from->delivered_ms);
    into->read_ms = earliest(into->read_ms, from->read_ms);
    into->replied_ms = earliest(into->replied_ms, from->replied_ms);
}

int analytics_state_equal(const struct analytics_state *a, const struct analytics_state *b)
{
    return a->accepted_ms == b->accepted_ms && a->sent_ms == b->sent_ms &&
           a->delivered_ms == b->delivered_ms && a->read_ms == b->read_ms &&
           a->failed_ms == b->failed_ms && a->error_code == b->error_code &&
           title_cmp(a->error_title, b->error_title) == 0 && a->replied_ms == b->replied_ms;
}

const char *analytics_state_status(const struct analytics_state *s)
{
    if (s->failed_ms)
        return "failed";
    if (s->read_ms)
        return "read";
    if (s->delivered_ms)
        return "delivered";
    if (s->sent_ms)
        return "sent";
    if (s->accepted_ms)
        return "accepted";
    return "pending";
}
