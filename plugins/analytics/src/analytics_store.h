/*
 * analytics_store.h - apply one encoded batch to PostgreSQL in one transaction.
 *
 * Why: this is the only file of the plugin that talks to PostgreSQL. It COPYs the staging rows,
 * makes the single analytics_apply_batch() call (migrations/044), runs the batch's recalculate
 * commands, and commits, so a batch is all or nothing. It tells the caller whether a failure is
 * worth retrying (connection, deadlock, ...) or caused by the data (SQLSTATE classes 22 and 23),
 * in which case the caller isolates the bad message instead of retrying forever.
 * Shared by the plugin and the bench, so it depends on libpq only.
 */
#ifndef HERALD_ANALYTICS_STORE_H
#define HERALD_ANALYTICS_STORE_H

#include "analytics_batch.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

typedef enum analytics_store_rc {
    ANALYTICS_STORE_OK = 0,
    ANALYTICS_STORE_TRANSIENT = 1, /* retry later: nothing was committed */
    ANALYTICS_STORE_DATA = 2,      /* the data was refused: retrying the same batch is futile */
} analytics_store_rc;

struct analytics_settings {
    double attribution_window_hours;
    double reply_park_timeout_seconds;
    double park_retention_hours;
    const char *stage_name; /* handled_by in command_results */
};

struct analytics_apply_result {
    int64_t folded; /* recipient rows that changed */
    int64_t parked;
    int64_t unparked;
    int64_t replies_stored;
    int64_t replies_attributed;
    int64_t expired;
    int64_t parked_pending;  /* -1 unless sweep */
    int64_t replies_pending; /* -1 unless sweep */
    int64_t recalculated;    /* recalculate commands that wrote a result */
    int64_t opted_out;       /* contacts a keyword reply opted out (migrations/056) */
    int64_t opted_in;        /* contacts a keyword reply opted back in */
};

/* Remembers which server session already has the staging tables. */
struct analytics_store {
    int backend_pid;
};

/* Seals the batch (analytics_batch_seal) and applies it.
 * sweep: also retry every parked status and reply, expire old parked statuses.
 * On failure err holds the server's message. */
analytics_store_rc analytics_store_apply(struct analytics_store *st, PGconn *conn,
                                         struct analytics_batch *b, int sweep,
                                         const struct analytics_settings *s,
                                         struct analytics_apply_result *out, char *err,
                                         size_t errlen);

#endif
