/*
 * metrics.h - counters and gauges rendered in the Prometheus text format.
 *
 * Why in the host: every stage exposes the same core numbers (messages in/out, errors,
 * retries, in-flight, lag) plus whatever its plugin registers; one registry renders them
 * all for /metrics. All functions are thread-safe.
 */
#ifndef HERALD_METRICS_H
#define HERALD_METRICS_H

enum metric_kind { METRIC_COUNTER, METRIC_GAUGE };

struct metric;
struct metrics;

struct metrics *metrics_new(const char *stage);
void metrics_free(struct metrics *m);
/* Registers `name` (full Prometheus name) or returns the existing metric of that name.
 * Names are sanitised to [a-zA-Z0-9_:]. The metric lives as long as the registry. */
struct metric *metrics_register(struct metrics *m, const char *name, const char *help,
                                enum metric_kind kind);
void metric_add(struct metric *x, double v);
void metric_set(struct metric *x, double v);
double metric_get(struct metric *x);
/* Text exposition of every metric; caller frees. */
char *metrics_render(struct metrics *m);

#endif
