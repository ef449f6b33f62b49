/*
 * analytics_pipeline.h - apply one encoded batch on a worker thread while the next is encoded.
 *
 * Why: profiling the stage showed the plugin and PostgreSQL taking turns: the main thread
 * parsed and merged a batch (JSON, ~5 us per event) while the server sat idle, then waited
 * idle while the server folded it. On a machine with two cores both can run at once. The
 * worker owns its own connection (host pg_open) and runs exactly one batch at a time; the
 * main thread hands it a batch, keeps encoding the next one, and only then waits for the
 * result and completes the first batch's messages (done() after COMMIT, as before). Batches
 * are therefore applied strictly one after the other, never concurrently, and the main
 * connection is used only while the worker is idle (sweeps, isolating a refused message).
 * Ownership: the pipeline borrows the submitted batch until the result is collected.
 */
#ifndef HERALD_ANALYTICS_PIPELINE_H
#define HERALD_ANALYTICS_PIPELINE_H

#include "analytics_store.h"

#include <herald/plugin.h>
#include <pthread.h>

struct analytics_pipeline {
    herald_host *host;
    herald_pg *pg; /* the worker's connection */
    struct analytics_store store;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running; /* thread started */
    int stop;

    /* The job: set by submit, read by the worker; result fields written by the worker. */
    struct analytics_batch *job; /* NULL = idle (collected) */
    int job_taken;               /* the worker has started it */
    int finished;                /* the worker has finished it */
    struct analytics_settings settings;
    analytics_store_rc rc;
    struct analytics_apply_result result;
    double elapsed_ms;
    char err[512];
};

/* Opens the worker's connection handle and starts the thread. Returns 0 or -1. */
int analytics_pipeline_start(struct analytics_pipeline *p, herald_host *host);

/* Hands b to the worker. Only when idle (nothing submitted or the last result collected). */
void analytics_pipeline_submit(struct analytics_pipeline *p, struct analytics_batch *b,
                               const struct analytics_settings *s);

/* 1 while a submitted batch has not been collected. */
int analytics_pipeline_busy(const struct analytics_pipeline *p);

/* Collects the result of the submitted batch: waits for it when `wait`, else returns 0 at
 * once if it is not finished. Returns 1 with *rc / *r / err / *elapsed_ms filled (the
 * pipeline is idle again), 0 when nothing was collected. */
int analytics_pipeline_collect(struct analytics_pipeline *p, int wait, analytics_store_rc *rc,
                               struct analytics_apply_result *r, char *err, size_t errlen,
                               double *elapsed_ms);

/* Stops and joins the thread (after finishing a running batch) and closes the connection. */
void analytics_pipeline_stop(struct analytics_pipeline *p);

#endif
