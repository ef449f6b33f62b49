/*
 * emission_schedule.c - per-campaign planning of emission steps (see the header for why).
 *
 * The plan after a step: room left at or above the threshold (a batch was capped by
 * batch_max) -> next tick; no pending rows left -> idle_max_ms (a resume or a requeue wakes
 * it earlier); otherwise the time the measured drain needs to open `threshold` slots, never
 * later than idle_max_ms. Without a measurement yet (first step, or nothing drained since),
 * the next tick, then idle_max_ms.
 */
#include "emission_schedule.h"

#include <stdlib.h>

void emission_schedule_init(struct emission_schedule *es, int64_t idle_max_ms)
{
    *es = (struct emission_schedule){0};
    es->idle_max_ms = idle_max_ms > 0 ? idle_max_ms : 1000;
}

void emission_schedule_free(struct emission_schedule *es)
{
    free(es->slots);
    es->slots = NULL;
    es->n = es->cap = 0;
}

int64_t emission_threshold(int64_t window, int64_t batch_max)
{
    int64_t t = window / 4;
    if (batch_max > 0 && t > batch_max)
        t = batch_max;
    return t < 1 ? 1 : t;
}

static struct emission_slot *find(struct emission_schedule *es, int64_t campaign_id)
{
    for (size_t i = 0; i < es->n; i++)
        if (es->slots[i].campaign_id == campaign_id)
            return &es->slots[i];
    return NULL;
}

static struct emission_slot *find_or_add(struct emission_schedule *es, int64_t campaign_id)
{
    struct emission_slot *s = find(es, campaign_id);
    if (s)
        return s;
    if (es->n == es->cap) {
        size_t cap = es->cap ? es->cap * 2 : 8;
        struct emission_slot *grown = realloc(es->slots, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        es->slots = grown;
        es->cap = cap;
    }
    s = &es->slots[es->n++];
    *s = (struct emission_slot){.campaign_id = campaign_id};
    return s;
}

int emission_schedule_due(struct emission_schedule *es, int64_t campaign_id, int64_t now_ms)
{
    struct emission_slot *s = find_or_add(es, campaign_id);
    if (!s)
        return -1;
    s->live = 1;
    return now_ms >= s->next_ms;
}

/* Milliseconds until `threshold` slots are free at the drain measured since the last step,
 * or -1 when nothing was measured to drain. */
static int64_t wait_for_room(const struct emission_slot *s, int64_t now_ms, int64_t queued,
                             int64_t room, int64_t threshold)
{
    if (!s->counted || now_ms <= s->counted_ms || s->queued_after <= queued)
        return -1;
    double per_ms = (double)(s->queued_after - queued) / (double)(now_ms - s->counted_ms);
    return (int64_t)((double)(threshold - room) / per_ms);
}

void emission_schedule_stepped(struct emission_schedule *es, int64_t campaign_id, int64_t now_ms,
                               int64_t queued, int64_t emitted, int64_t window, int64_t threshold,
                               int pending_left)
{
    struct emission_slot *s = find_or_add(es, campaign_id);
    if (!s)
        return; /* unknown again next tick: due at once, as before this file existed */
    int64_t room = window - queued - emitted;
    int64_t wait;
    if (!pending_left)
        wait = es->idle_max_ms;
    else if (room >= threshold)
        wait = 0;
    else if ((wait = wait_for_room(s, now_ms, queued, room, threshold)) < 0)
        wait = s->counted && emitted == 0 ? es->idle_max_ms : 0;
    if (wait > es->idle_max_ms)
        wait = es->idle_max_ms;
    s->next_ms = now_ms + wait;
    s->counted_ms = now_ms;
    s->queued_after = queued + emitted;
    s->counted = 1;
    s->live = 1;
}

void emission_schedule_wake_all(struct emission_schedule *es)
{
    for (size_t i = 0; i < es->n; i++)
        es->slots[i].next_ms = 0;
}

void emission_schedule_prune(struct emission_schedule *es)
{
    size_t kept = 0;
    for (size_t i = 0; i < es->n; i++) {
        if (!es->slots[i].live)
            continue;
        es->slots[kept] = es->slots[i];
        es->slots[kept].live = 0;
        kept++;
    }
    es->n = kept;
}
