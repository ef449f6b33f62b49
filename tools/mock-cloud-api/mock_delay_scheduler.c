/*
 * Delay thread (see mock_delay_scheduler.h): a min-heap under a mutex and a condition
 * variable on CLOCK_MONOTONIC.
 */
#include "mock_delay_scheduler.h"

#include "mock_clock.h"
#include "mock_min_heap.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct {
    mock_delay_fn fn;
    void *arg;
} task_t;

struct mock_delay_scheduler {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    mock_min_heap_t heap;
    bool stopping;
    pthread_t thread;
};

static void fire(task_t *t)
{
    t->fn(t->arg);
    free(t);
}

static void wait_until(mock_delay_scheduler_t *s, int64_t due_ms)
{
    struct timespec ts = {.tv_sec = due_ms / 1000, .tv_nsec = (due_ms % 1000) * 1000000};
    pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static void *run(void *arg)
{
    mock_delay_scheduler_t *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        const mock_heap_item_t *top = mock_min_heap_peek(&s->heap);
        if (!top) {
            pthread_cond_wait(&s->cond, &s->lock);
            continue;
        }
        if (top->due_ms > mock_mono_ms()) {
            wait_until(s, top->due_ms);
            continue;
        }
        task_t *t = mock_min_heap_pop(&s->heap);
        pthread_mutex_unlock(&s->lock);
        fire(t);
        pthread_mutex_lock(&s->lock);
    }
    task_t *t;
    while ((t = mock_min_heap_pop(&s->heap))) {
        pthread_mutex_unlock(&s->lock);
        fire(t);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

mock_delay_scheduler_t *mock_delay_scheduler_start(void)
{
    mock_delay_scheduler_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&s->lock, NULL);
    mock_min_heap_init(&s->heap);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

void mock_delay_scheduler_add(mock_delay_scheduler_t *s, int64_t due_ms, mock_delay_fn fn,
                              void *arg)
{
    task_t *t = malloc(sizeof *t);
    if (!t)
        abort();
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&s->lock);
    if (s->stopping) { /* shutting down: nothing may wait any more */
        pthread_mutex_unlock(&s->lock);
        fire(t);
        return;
    }
    const mock_heap_item_t *top = mock_min_heap_peek(&s->heap);
    bool earliest = !top || due_ms < top->due_ms;
    mock_min_heap_push(&s->heap, due_ms, t);
    if (earliest)
        pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void mock_delay_scheduler_stop(mock_delay_scheduler_t *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
}

void mock_delay_scheduler_free(mock_delay_scheduler_t *s)
{
    if (!s)
        return;
    mock_min_heap_free(&s->heap);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
