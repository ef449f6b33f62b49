/*
 * Webhook event planning (see mock_webhook_planner.h).
 */
#include "mock_webhook_planner.h"

#include "mock_random.h"

static void add(mock_plan_t *p, mock_event_kind_t kind, int64_t delay_ms)
{
    if (p->n == MOCK_MAX_PLANNED)
        return;
    p->events[p->n++] =
        (mock_planned_event_t){.kind = kind, .delay_ms = delay_ms, .happened_ms = delay_ms};
}

static int64_t at(const mock_config_t *cfg, int step)
{
    return step * cfg->webhook_delay_ms +
           (int64_t)mock_random_below((uint64_t)cfg->webhook_jitter_ms);
}

static void plan_failure(const mock_config_t *cfg, int code, mock_plan_t *p)
{
    /* Half the failures are reported after a "sent" (a status never goes back). */
    int step = 1;
    if (mock_random_chance(0.5))
        add(p, MOCK_EV_SENT, at(cfg, step++));
    add(p, MOCK_EV_FAILED, at(cfg, step));
    p->events[p->n - 1].error_code = code;
}

static void plan_reply(const mock_config_t *cfg, mock_plan_t *p)
{
    add(p, MOCK_EV_REPLY, at(cfg, 4));
    mock_reply_style_t style = MOCK_REPLY_PLAIN_TEXT;
    if (mock_random_chance(0.5))
        style = mock_random_chance(0.5) ? MOCK_REPLY_QUOTED_BUTTON : MOCK_REPLY_QUOTED_TEXT;
    p->events[p->n - 1].reply_style = style;
    p->events[p->n - 1].stop = mock_random_chance(cfg->stop_share);
}

static void plan_delivery(const mock_config_t *cfg, mock_plan_t *p)
{
    add(p, MOCK_EV_SENT, at(cfg, 1));
    if (!mock_random_chance(cfg->delivered_share))
        return;
    add(p, MOCK_EV_DELIVERED, at(cfg, 2));
    if (mock_random_chance(cfg->read_share))
        add(p, MOCK_EV_READ, at(cfg, 3));
    if (mock_random_chance(cfg->reply_share))
        plan_reply(cfg, p);
}

/* Swaps the times of two consecutive status events, e.g. delivered before sent. */
static void maybe_reorder(const mock_config_t *cfg, mock_plan_t *p)
{
    size_t statuses = 0;
    while (statuses < p->n && p->events[statuses].kind != MOCK_EV_REPLY)
        statuses++;
    if (statuses < 2 || !mock_random_chance(cfg->reorder_share))
        return;
    size_t i = (size_t)mock_random_below(statuses - 1);
    int64_t t = p->events[i].delay_ms;
    p->events[i].delay_ms = p->events[i + 1].delay_ms + 1;
    p->events[i + 1].delay_ms = t;
    p->reordered = true;
}

static void maybe_duplicate(const mock_config_t *cfg, mock_plan_t *p)
{
    size_t original = p->n;
    for (size_t i = 0; i < original && p->n < MOCK_MAX_PLANNED; i++) {
        if (!mock_random_chance(cfg->duplicate_share))
            continue;
        mock_planned_event_t copy = p->events[i];
        copy.delay_ms += 1 + (int64_t)mock_random_below((uint64_t)cfg->webhook_delay_ms + 1);
        copy.duplicate = true;
        p->events[p->n++] = copy;
        p->duplicates++;
    }
}

void mock_webhook_plan(const mock_config_t *cfg, int forced_fail_code, mock_plan_t *plan)
{
    plan->n = 0;
    plan->reordered = false;
    plan->duplicates = 0;
    if (forced_fail_code)
        plan_failure(cfg, forced_fail_code, plan);
    else if (cfg->n_fail_codes && mock_random_chance(cfg->fail_share))
        plan_failure(cfg, (int)cfg->fail_codes[mock_random_below(cfg->n_fail_codes)], plan);
    else
        plan_delivery(cfg, plan);
    maybe_reorder(cfg, plan);
    maybe_duplicate(cfg, plan);
}

const char *mock_event_status_name(mock_event_kind_t kind)
{
    switch (kind) {
    case MOCK_EV_SENT:
        return "sent";
    case MOCK_EV_DELIVERED:
        return "delivered";
    case MOCK_EV_READ:
        return "read";
    case MOCK_EV_FAILED:
        return "failed";
    case MOCK_EV_REPLY:
        return "reply";
    }
    return "?";
}
