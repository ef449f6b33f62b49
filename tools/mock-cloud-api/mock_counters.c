/*
 * Atomic counters (see mock_counters.h).
 */
#include "mock_counters.h"

#include <stdio.h>

#define LOAD(x) ((json_int_t)atomic_load(&(x)))

void mock_counters_reset(mock_counters_t *c)
{
    /* Field by field with atomic stores: request threads keep counting during a reset.
       wh_pending is a gauge of work still in flight, which a reset does not cancel. */
    atomic_uint_fast64_t *plain[] = {
        &c->requests,      &c->accepted,         &c->rejected,
        &c->fault_5xx,     &c->fault_timeout,    &c->fault_timeout_accepted,
        &c->wh_enqueued,   &c->wh_queue_dropped, &c->wh_events_dropped,
        &c->wh_events,     &c->wh_statuses,      &c->wh_replies,
        &c->wh_duplicates, &c->wh_reordered,     &c->wh_posts,
        &c->wh_posts_ok,   &c->wh_posts_failed,  &c->wh_retried,
        &c->wh_given_up,   &c->wh_batched_posts, &c->wh_stop_replies,
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        atomic_store(plain[i], 0);
    for (int i = 0; i < MOCK_MAX_ERROR_CODES; i++) {
        atomic_store(&c->rejected_count[i], 0);
        atomic_store(&c->rejected_code[i], 0);
    }
}

void mock_counters_count_rejection(mock_counters_t *c, int code)
{
    atomic_fetch_add(&c->rejected, 1);
    for (int i = 0; i < MOCK_MAX_ERROR_CODES; i++) {
        int_fast64_t cur = atomic_load(&c->rejected_code[i]);
        if (cur == 0) {
            int_fast64_t expected = 0;
            if (!atomic_compare_exchange_strong(&c->rejected_code[i], &expected, code))
                cur = expected;
            else
                cur = code;
        }
        if (cur == code) {
            atomic_fetch_add(&c->rejected_count[i], 1);
            return;
        }
    }
}

static json_t *rejections_json(const mock_counters_t *c)
{
    json_t *o = json_object();
    for (int i = 0; i < MOCK_MAX_ERROR_CODES; i++) {
        int_fast64_t code = atomic_load(&c->rejected_code[i]);
        if (!code)
            break;
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)code);
        json_object_set_new(o, key, json_integer(LOAD(c->rejected_count[i])));
    }
    return o;
}

void mock_counters_stats(const mock_counters_t *c, json_t *obj)
{
    json_object_set_new(obj, "requests", json_integer(LOAD(c->requests)));
    json_object_set_new(obj, "accepted", json_integer(LOAD(c->accepted)));
    json_object_set_new(obj, "rejected_total", json_integer(LOAD(c->rejected)));
    json_object_set_new(obj, "rejected", rejections_json(c));
    json_object_set_new(obj, "faults",
                        json_pack("{s:I, s:I, s:I}", "http_500", LOAD(c->fault_5xx), "timeouts",
                                  LOAD(c->fault_timeout), "timeouts_accepted",
                                  LOAD(c->fault_timeout_accepted)));
    json_t *wh = json_object();
    json_object_set_new(wh, "enqueued", json_integer(LOAD(c->wh_enqueued)));
    json_object_set_new(wh, "queue_dropped", json_integer(LOAD(c->wh_queue_dropped)));
    json_object_set_new(wh, "events_dropped", json_integer(LOAD(c->wh_events_dropped)));
    json_object_set_new(wh, "events", json_integer(LOAD(c->wh_events)));
    json_object_set_new(wh, "statuses_delivered", json_integer(LOAD(c->wh_statuses)));
    json_object_set_new(wh, "replies_delivered", json_integer(LOAD(c->wh_replies)));
    json_object_set_new(wh, "stop_replies_delivered", json_integer(LOAD(c->wh_stop_replies)));
    json_object_set_new(wh, "duplicated", json_integer(LOAD(c->wh_duplicates)));
    json_object_set_new(wh, "reordered", json_integer(LOAD(c->wh_reordered)));
    json_object_set_new(wh, "posts", json_integer(LOAD(c->wh_posts)));
    json_object_set_new(wh, "sent", json_integer(LOAD(c->wh_posts_ok)));
    json_object_set_new(wh, "failed", json_integer(LOAD(c->wh_posts_failed)));
    json_object_set_new(wh, "retried", json_integer(LOAD(c->wh_retried)));
    json_object_set_new(wh, "given_up", json_integer(LOAD(c->wh_given_up)));
    json_object_set_new(wh, "batched_posts", json_integer(LOAD(c->wh_batched_posts)));
    json_object_set_new(wh, "pending", json_integer(LOAD(c->wh_pending)));
    json_object_set_new(obj, "webhooks", wh);
}

static void put_counter(void (*put)(void *, const char *), void *ctx, const char *name,
                        const char *help, json_int_t value)
{
    char line[512];
    snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s counter\n%s %lld\n", name, help, name,
             name, (long long)value);
    put(ctx, line);
}

void mock_counters_metrics(const mock_counters_t *c, void (*put)(void *ctx, const char *line),
                           void *ctx)
{
    char line[256];
    put_counter(put, ctx, "herald_mock_requests_total", "send requests received",
                LOAD(c->requests));
    put_counter(put, ctx, "herald_mock_accepted_total", "sends accepted", LOAD(c->accepted));
    put(ctx, "# HELP herald_mock_rejected_total sends rejected, by Meta error code\n"
             "# TYPE herald_mock_rejected_total counter\n");
    for (int i = 0; i < MOCK_MAX_ERROR_CODES; i++) {
        int_fast64_t code = atomic_load(&c->rejected_code[i]);
        if (!code)
            break;
        snprintf(line, sizeof line, "herald_mock_rejected_total{code=\"%lld\"} %lld\n",
                 (long long)code, (long long)LOAD(c->rejected_count[i]));
        put(ctx, line);
    }
    put_counter(put, ctx, "herald_mock_fault_5xx_total", "injected HTTP 500", LOAD(c->fault_5xx));
    put_counter(put, ctx, "herald_mock_fault_timeouts_total", "injected timeouts",
                LOAD(c->fault_timeout));
    put_counter(put, ctx, "herald_mock_webhook_posts_total", "webhook POST attempts",
                LOAD(c->wh_posts));
    put_counter(put, ctx, "herald_mock_webhook_posts_ok_total", "webhook POSTs answered 200",
                LOAD(c->wh_posts_ok));
    put_counter(put, ctx, "herald_mock_webhook_posts_failed_total",
                "webhook POST attempts not answered 200", LOAD(c->wh_posts_failed));
    put_counter(put, ctx, "herald_mock_webhook_retries_total", "webhook POSTs retried",
                LOAD(c->wh_retried));
    put_counter(put, ctx, "herald_mock_webhook_given_up_total", "webhook POSTs abandoned",
                LOAD(c->wh_given_up));
    put_counter(put, ctx, "herald_mock_webhook_dropped_total",
                "webhook work dropped because a queue was full",
                LOAD(c->wh_queue_dropped) + LOAD(c->wh_events_dropped));
    snprintf(line, sizeof line,
             "# HELP herald_mock_webhook_pending webhook events and POSTs not finished\n"
             "# TYPE herald_mock_webhook_pending gauge\nherald_mock_webhook_pending %lld\n",
             (long long)LOAD(c->wh_pending));
    put(ctx, line);
}
