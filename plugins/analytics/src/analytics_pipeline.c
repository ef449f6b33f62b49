/*
 * analytics_pipeline.c - the worker thread that applies one batch at a time (see the header).
 */
#include "analytics_pipeline.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Runs one job without holding the mutex: the batch and settings are not touched by the main
 * thread until the result is collected. */
static void run_job(struct analytics_pipeline *p)
{
    const struct herald_host_api *a = p->host->api;
    double t0 = mono_ms();
    PGconn *conn = a->pg_conn(p->pg);
    if (!conn) {
        p->rc = ANALYTICS_STORE_TRANSIENT;
        snprintf(p->err, sizeof p->err, "cannot connect to PostgreSQL");
    } else {
        p->rc = analytics_store_apply(&p->store, conn, p->job, 0, &p->settings, &p->result, p->err,
                                      sizeof p->err);
    }
    p->elapsed_ms = mono_ms() - t0;
}

static void *worker(void *arg)
{
    struct analytics_pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && (!p->job || p->job_taken))
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->job || p->job_taken) /* stop requested and nothing left to run */
            break;
        p->job_taken = 1;
        pthread_mutex_unlock(&p->mu);
        run_job(p);
        pthread_mutex_lock(&p->mu);
        p->finished = 1;
        pthread_cond_broadcast(&p->cv);
        p->host->api->wakeup(p->host); /* [any thread]: cb_tick collects the result */
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int analytics_pipeline_start(struct analytics_pipeline *p, herald_host *host)
{
    memset(p, 0, sizeof *p);
    p->host = host;
    p->pg = host->api->pg_open(host);
    if (!p->pg)
        return -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, worker, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        host->api->pg_close(p->pg);
        p->pg = NULL;
        return -1;
    }
    p->running = 1;
    return 0;
}

void analytics_pipeline_submit(struct analytics_pipeline *p, struct analytics_batch *b,
                               const struct analytics_settings *s)
{
    pthread_mutex_lock(&p->mu);
    p->job = b;
    p->job_taken = 0;
    p->finished = 0;
    p->settings = *s;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int analytics_pipeline_busy(const struct analytics_pipeline *p)
{
    return p->job != NULL; /* only the main thread sets and clears job */
}

int analytics_pipeline_collect(struct analytics_pipeline *p, int wait, analytics_store_rc *rc,
                               struct analytics_apply_result *r, char *err, size_t errlen,
                               double *elapsed_ms)
{
    if (!p->job)
        return 0;
    pthread_mutex_lock(&p->mu);
    while (wait && !p->finished)
        pthread_cond_wait(&p->cv, &p->mu);
    int done = p->finished;
    if (done) {
        *rc = p->rc;
        *r = p->result;
        *elapsed_ms = p->elapsed_ms;
        snprintf(err, errlen, "%s", p->rc == ANALYTICS_STORE_OK ? "" : p->err);
        p->job = NULL;
        p->job_taken = 0;
        p->finished = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return done;
}

void analytics_pipeline_stop(struct analytics_pipeline *p)
{
    if (!p->running)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    p->host->api->pg_close(p->pg);
    p->pg = NULL;
    p->running = 0;
}
