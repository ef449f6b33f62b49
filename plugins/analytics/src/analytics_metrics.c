/*
 * analytics_metrics.c - register and update the analytics metrics (see the header).
 */
#include "analytics_metrics.h"

void analytics_metrics_init(struct analytics_metrics *m, herald_host *h)
{
    const struct herald_host_api *a = h->api;
    m->messages = a->counter(h, "messages_total", "consumed messages folded or handled");
    m->malformed = a->counter(h, "malformed_total", "messages refused (HERALD_ERROR)");
    m->batches = a->counter(h, "transactions_total", "committed batch/sweep transactions");
    m->batch_failures = a->counter(h, "transaction_failures_total", "rolled back transactions");
    m->recipients_changed =
        a->counter(h, "recipient_changes_total", "per-recipient state rows that moved");
    m->parked = a->counter(h, "parked_total", "statuses parked until their wamid is known");
    m->unparked = a->counter(h, "unparked_total", "parked statuses applied");
    m->parked_expired =
        a->counter(h, "parked_expired_total", "parked statuses dropped after park_retention");
    m->replies_stored = a->counter(h, "replies_stored_total", "distinct replies stored");
    m->replies_attributed =
        a->counter(h, "replies_attributed_total", "replies attributed to a campaign recipient");
    m->recalculations = a->counter(h, "recalculations_total", "recalculate commands handled");
    m->opted_out = a->counter(h, "opt_outs_total", "contacts opted out by a keyword reply");
    m->opted_in = a->counter(h, "opt_ins_total", "contacts opted back in by a keyword reply");
    m->parked_pending = a->gauge(h, "parked_pending", "statuses waiting for their wamid");
    m->replies_pending = a->gauge(h, "replies_pending", "replies waiting for their context");
    m->last_batch_ms = a->gauge(h, "last_transaction_ms", "duration of the last transaction");
}

void analytics_metrics_applied(struct analytics_metrics *m, herald_host *h,
                               const struct analytics_apply_result *r, double elapsed_ms)
{
    const struct herald_host_api *a = h->api;
    a->counter_add(m->batches, 1);
    a->counter_add(m->recipients_changed, (double)r->folded);
    a->counter_add(m->parked, (double)r->parked);
    a->counter_add(m->unparked, (double)r->unparked);
    a->counter_add(m->parked_expired, (double)r->expired);
    a->counter_add(m->replies_stored, (double)r->replies_stored);
    a->counter_add(m->replies_attributed, (double)r->replies_attributed);
    a->counter_add(m->recalculations, (double)r->recalculated);
    a->counter_add(m->opted_out, (double)r->opted_out);
    a->counter_add(m->opted_in, (double)r->opted_in);
    if (r->parked_pending >= 0)
        a->gauge_set(m->parked_pending, (double)r->parked_pending);
    if (r->replies_pending >= 0)
        a->gauge_set(m->replies_pending, (double)r->replies_pending);
    a->gauge_set(m->last_batch_ms, elapsed_ms);
}
