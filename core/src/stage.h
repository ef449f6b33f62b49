/*
 * stage.h - the running stage: plugins, Kafka handles, in-flight messages, partitions.
 *
 * Why one struct: the host is single-threaded around its main loop (plugins may own threads
 * but only produce/log/metrics cross over), so the state is one explicit object passed
 * around instead of globals. Fields marked [main] are touched only by the main thread.
 */
#ifndef HERALD_STAGE_H
#define HERALD_STAGE_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "herald/plugin.h"
#include "kafka_topic_cache.h"
#include "metrics.h"
#include "offset_tracker.h"
#include "pg_connection.h"
#include "plugin_loader.h"
#include "retry_scheduler.h"
#include "stage_config.h"

struct stage;

/* One consumed partition. Kept for the life of the stage; `gen` changes on every assign and
 * revoke so that completions of messages from an earlier assignment are ignored. [main] */
struct partition_state {
    char *topic;         /* full Kafka topic name (with prefix) */
    const char *logical; /* logical name inside `topic` (after the prefix) */
    int32_t partition;
    struct host_plugin *owner;
    int assigned;
    uint32_t gen;
    struct offset_tracker tracker;
    int dirty;              /* tracker may have a new offset to store */
    int64_t last_refetched; /* last offset skipped as delivered twice (log once per run) */
    struct partition_state *next;
};

/* One loaded plugin. `pub` must stay first: the plugin's herald_host* points at it. */
struct host_plugin {
    herald_host pub;
    struct stage *stage;
    struct stage_plugin_config *cfg;
    struct loaded_plugin lp;
    const struct herald_plugin *p;
    void *ctx;
    int initialised;
    int wants_pause;         /* set through api->pause_input [main] */
    int drained;             /* cb_drain said done [main] */
    struct host_msg **batch; /* cb_process batch being assembled [main] */
    size_t n_batch;
};

/* One consumed message while in flight. `pub` must stay first (plugins see it). */
struct host_msg {
    struct herald_message pub;
    struct host_plugin *owner;
    struct partition_state *ps;
    uint32_t gen;
    atomic_int pending_children;  /* produces with this parent not yet acknowledged */
    int done;                     /* done() was called with OK or ERROR [main] */
    int child_failed;             /* a child produce failed: retry instead of completing */
    int waiting_retry;            /* sits in the retry scheduler [main] */
    struct host_msg *prev, *next; /* every in-flight message, so shutdown can free them */
    /* key and payload bytes follow the struct */
};

struct stage {
    struct stage_config *cfg;
    struct host_plugin *plugins;
    size_t n_plugins;
    pthread_t main_thread;

    rd_kafka_t *consumer; /* NULL when no plugin consumes */
    rd_kafka_queue_t *consumer_queue;
    rd_kafka_t *producer;
    struct kafka_topic_cache topics; /* the producer's topic handles */
    int wake_pipe[2];                /* producer-only stages sleep on this */
    atomic_int wake_requested;       /* api->wakeup: run cb_tick soon */

    struct partition_state *partitions; /* [main] */
    struct retry_scheduler retries;     /* [main] */
    size_t in_flight;                   /* consumed and not yet finalised [main] */
    size_t waiting_retry;               /* of which in the retry scheduler [main] */
    int input_paused;                   /* partitions currently paused [main] */
    atomic_int stopping;
    atomic_int fatal;          /* an unrecoverable error (e.g. fatal idempotent producer error) */
    struct host_msg *all_msgs; /* [main] */
    atomic_int running;        /* main loop entered; drives /healthz */
    atomic_int kafka_ok, pg_ok;

    struct herald_pg *pg_main;         /* NULL when no conninfo */
    int64_t next_tick_ms, next_lag_ms; /* [main] */

    struct metrics *metrics;
    struct {
        struct metric *in, *out, *errors, *retries, *produce_errors, *dead_letters, *in_flight,
            *lag, *rebalances, *paused, *refetched;
    } m;
};

/* The host API table handed to plugins (host_api.c). */
extern const struct herald_host_api host_api_table;

static inline struct host_plugin *host_plugin_of(herald_host *h)
{
    return (struct host_plugin *)h;
}

int stage_is_main_thread(const struct stage *s);
void stage_wakeup(struct stage *s);

#endif
