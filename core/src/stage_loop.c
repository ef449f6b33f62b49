/*
 * stage_loop.c - the stage's main loop: one thread, one screen.
 *
 *   poll the consumer (short timeout) -> batches per plugin -> cb_process
 *   apply producer delivery reports   -> parents complete -> offsets stored
 *   hand back due retries, apply backpressure, cb_tick every tick_ms
 *
 * Then, on SIGTERM/SIGINT: pause input, keep serving completions and call cb_drain until the
 * plugins are done or drain_timeout_ms passes, flush the producer, store and commit, close.
 */
#include "stage_loop.h"

#include <poll.h>
#include <unistd.h>

#include "inflight.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"
#include "log.h"
#include "signals.h"

#define MAX_WAIT_MS  100
#define LAG_EVERY_MS 1000

static void dispatch_batches(struct stage *s)
{
    for (size_t i = 0; i < s->n_plugins; i++) {
        struct host_plugin *hp = &s->plugins[i];
        if (!hp->n_batch)
            continue;
        size_t n = hp->n_batch;
        hp->n_batch = 0; /* before the call: done() may run re-entrantly inside it */
        hp->p->cb_process(hp->ctx, (struct herald_message **)hp->batch, n);
    }
}

static void tick_plugins(struct stage *s, int64_t now)
{
    for (size_t i = 0; i < s->n_plugins; i++)
        if (s->plugins[i].p->cb_tick)
            s->plugins[i].p->cb_tick(s->plugins[i].ctx, now);
}

/* Input pauses when any plugin asked or when too much is in flight, and resumes only once
 * half of it completed: librdkafka drops prefetched messages on pause, so flapping around the
 * limit would turn every resume into a refetch. */
static void apply_backpressure(struct stage *s)
{
    int want = 0;
    for (size_t i = 0; i < s->n_plugins; i++)
        want |= s->plugins[i].wants_pause;
    size_t max = (size_t)s->cfg->max_in_flight;
    if (s->in_flight >= max)
        want = 1;
    else if (s->input_paused && s->in_flight > max / 2)
        want = 1;
    kafka_consumer_set_paused(s, want);
}

static void wait_for_work(struct stage *s, int timeout_ms)
{
    if (s->consumer) {
        kafka_consumer_poll(s, timeout_ms, atomic_load(&s->stopping));
        return;
    }
    struct pollfd p = {s->wake_pipe[0], POLLIN, 0};
    if (poll(&p, 1, timeout_ms) > 0) {
        char buf[64];
        while (read(s->wake_pipe[0], buf, sizeof buf) > 0)
            ;
    }
}

static int timeout_until(struct stage *s, int64_t now)
{
    int64_t t = s->next_tick_ms - now;
    int64_t due = retry_scheduler_next_due(&s->retries);
    if (due >= 0 && due - now < t)
        t = due - now;
    if (atomic_exchange(&s->wake_requested, 0))
        t = 0;
    if (t > MAX_WAIT_MS)
        t = MAX_WAIT_MS;
    return t < 0 ? 0 : (int)t;
}

/* Delivery reports, offsets, ticks and gauges: everything but taking new input. */
static void service(struct stage *s)
{
    kafka_producer_poll(s);
    kafka_consumer_store_offsets(s);
    int64_t now = host_api_table.now_ms();
    if (now >= s->next_tick_ms || atomic_exchange(&s->wake_requested, 0)) {
        tick_plugins(s, now);
        s->next_tick_ms = now + s->cfg->tick_ms;
        metric_set(s->m.in_flight, (double)s->in_flight);
    }
    if (now >= s->next_lag_ms) {
        metric_set(s->m.lag, kafka_consumer_lag(s));
        s->next_lag_ms = now + LAG_EVERY_MS;
    }
}

/* One turn of the loop; shared by the run phase and the drain phase. */
static void turn(struct stage *s)
{
    int64_t now = host_api_table.now_ms();
    if (!atomic_load(&s->stopping)) {
        inflight_collect_retries(s, now);
        dispatch_batches(s);
    }
    wait_for_work(s, timeout_until(s, now));
    dispatch_batches(s);
    if (!atomic_load(&s->stopping))
        apply_backpressure(s);
    service(s);
}

void stage_loop_settle(struct stage *s, int (*busy)(struct stage *, void *), void *opaque,
                       int64_t max_ms)
{
    int64_t deadline = host_api_table.now_ms() + max_ms;
    while (busy(s, opaque) && host_api_table.now_ms() < deadline) {
        rd_kafka_poll(s->producer, 5); /* waits for delivery reports, applied below */
        service(s);
    }
}

static int plugins_drained(struct stage *s, int64_t now)
{
    int all = 1;
    for (size_t i = 0; i < s->n_plugins; i++) {
        struct host_plugin *hp = &s->plugins[i];
        if (!hp->drained)
            hp->drained = hp->p->cb_drain ? hp->p->cb_drain(hp->ctx, now) : 1;
        all &= hp->drained;
    }
    return all;
}

/* Messages waiting for a retry are not waited for: they stay uncommitted and are redelivered
 * to whoever consumes the partition next. */
static void drain(struct stage *s)
{
    int64_t deadline = host_api_table.now_ms() + s->cfg->drain_timeout_ms;
    LOG_INFO("shutdown: draining %zu in-flight message(s) (timeout %lld ms)", s->in_flight,
             (long long)s->cfg->drain_timeout_ms);
    kafka_consumer_set_paused(s, 1);
    for (;;) {
        int64_t now = host_api_table.now_ms();
        if (plugins_drained(s, now) && s->in_flight - s->waiting_retry == 0)
            break;
        if (now >= deadline) {
            LOG_WARN("shutdown: drain timeout; %zu message(s) left uncommitted (they will be "
                     "redelivered)",
                     s->in_flight);
            break;
        }
        turn(s);
    }
    int64_t left = deadline - host_api_table.now_ms();
    kafka_producer_flush(s, left > 2000 ? (int)left : 2000);
    kafka_consumer_close(s);
}

int stage_loop_run(struct stage *s)
{
    s->next_tick_ms = s->next_lag_ms = host_api_table.now_ms();
    atomic_store(&s->running, 1);
    LOG_INFO("stage running");
    while (!atomic_load(&s->stopping)) {
        turn(s);
        if (signals_stop_requested())
            atomic_store(&s->stopping, 1);
    }
    drain(s);
    atomic_store(&s->running, 0);
    return atomic_load(&s->fatal) ? 3 : 0;
}
