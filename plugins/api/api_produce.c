/*
 * api_produce.c - posts a command on campaign-commands and waits for Kafka's acknowledgement.
 *
 * Why: the API answers 202 only when the command is durably in Kafka, so a client that got a
 * command id can rely on it being handled. The delivery callback runs on the host's main
 * thread while this connection thread waits; the waiter is reference-counted because the
 * callback may fire after the request gave up (timeout) and returned.
 */
#include "api_internal.h"
#include "api_time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ack_waiter {
    struct api_ctx *ctx;
    struct ack_waiter *prev, *next; /* ctx->waiters while the callback is owed */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    int failed;
    int refs; /* the waiting thread + the pending delivery callback */
};

static void waiter_free(struct ack_waiter *w)
{
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w);
}

static void waiter_unref_locked_and_unlock(struct ack_waiter *w)
{
    int last = --w->refs == 0;
    pthread_mutex_unlock(&w->lock);
    if (last)
        waiter_free(w);
}

static void waiters_add(struct api_ctx *ctx, struct ack_waiter *w)
{
    pthread_mutex_lock(&ctx->waiters_lock);
    w->prev = NULL;
    w->next = ctx->waiters;
    if (ctx->waiters)
        ctx->waiters->prev = w;
    ctx->waiters = w;
    pthread_mutex_unlock(&ctx->waiters_lock);
}

static void waiters_remove(struct api_ctx *ctx, struct ack_waiter *w)
{
    pthread_mutex_lock(&ctx->waiters_lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        ctx->waiters = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&ctx->waiters_lock);
}

void api_produce_release_all(struct api_ctx *ctx)
{
    /* Only called after the HTTP server stopped: no thread waits on these any more. */
    pthread_mutex_lock(&ctx->waiters_lock);
    while (ctx->waiters) {
        struct ack_waiter *w = ctx->waiters;
        ctx->waiters = w->next;
        waiter_free(w);
    }
    pthread_mutex_unlock(&ctx->waiters_lock);
}

static void on_ack(void *opaque, const char *err)
{
    struct ack_waiter *w = opaque;
    waiters_remove(w->ctx, w);
    pthread_mutex_lock(&w->lock);
    w->done = 1;
    w->failed = err != NULL;
    pthread_cond_signal(&w->cond);
    waiter_unref_locked_and_unlock(w);
}

int api_produce_command(struct api_ctx *ctx, int64_t campaign_id, const json_t *command)
{
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)campaign_id);
    char *payload = json_dumps(command, JSON_COMPACT);
    struct ack_waiter *w = calloc(1, sizeof(*w));
    if (!payload || !w) {
        free(payload);
        free(w);
        return -1;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->ctx = ctx;
    w->refs = 2;
    waiters_add(ctx, w);
    ctx->api->counter_add(ctx->m.commands, 1);
    int rc = ctx->api->produce(ctx->host, "campaign-commands", key, strlen(key), payload,
                               strlen(payload), NULL, on_ack, w);
    free(payload);
    pthread_mutex_lock(&w->lock);
    if (rc != 0) {
        waiters_remove(ctx, w);
        w->refs--; /* the callback will never come */
        w->failed = 1;
        w->done = 1;
    }
    struct timespec deadline = api_time_deadline_after(ctx->ack_timeout_ms);
    while (!w->done)
        if (pthread_cond_timedwait(&w->cond, &w->lock, &deadline) == ETIMEDOUT)
            break;
    int ok = w->done && !w->failed;
    waiter_unref_locked_and_unlock(w);
    if (!ok) {
        ctx->api->counter_add(ctx->m.command_failures, 1);
        ctx->api->log(ctx->host, HERALD_LOG_WARN,
                      "api: command for campaign %lld not acknowledged by Kafka (%s)",
                      (long long)campaign_id, rc != 0 ? "not queued" : "failed or timed out");
    }
    return ok ? 0 : -1;
}
