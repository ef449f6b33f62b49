/*
 * analytics_metrics.h - the analytics stage's Prometheus counters and gauges.
 *
 * Why its own file: one place that names every number operators watch
 * (herald_analytics_<name>{stage=...}), so analytics.c stays about control flow.
 */
#ifndef HERALD_ANALYTICS_METRICS_H
#define HERALD_ANALYTICS_METRICS_H

#include "analytics_store.h"

#include <herald/plugin.h>

struct analytics_metrics {
    herald_counter *messages;           /* consumed messages completed OK */
    herald_counter *malformed;          /* completed with HERALD_ERROR */
    herald_counter *batches;            /* committed transactions (batches and sweeps) */
    herald_counter *batch_failures;     /* transactions rolled back */
    herald_counter *recipients_changed; /* recipient rows whose state moved */
    herald_counter *parked;
    herald_counter *unparked;
    herald_counter *parked_expired;
    herald_counter *replies_stored;
    herald_counter *replies_attributed;
    herald_counter *recalculations;
    herald_counter *opted_out;
    herald_counter *opted_in;
    herald_counter *parked_pending;  /* gauge */
    herald_counter *replies_pending; /* gauge */
    herald_counter *last_batch_ms;   /* gauge */
};

void analytics_metrics_init(struct analytics_metrics *m, herald_host *h);
/* Account one committed transaction. */
void analytics_metrics_applied(struct analytics_metrics *m, herald_host *h,
                               const struct analytics_apply_result *r, double elapsed_ms);

#endif
