/*
 * ctl_outcome.h - waits for the outcome of a posted command in command_results.
 *
 * Why this exists: the stage that handles a command records "accepted" or "rejected" with a
 * reason in command_results (migrations/001_core.sql), keyed by command_id. Polling that
 * row is how herald-ctl turns an asynchronous Kafka command into the synchronous answer an
 * operator expects, with a bounded wait.
 */
#ifndef HERALD_CTL_OUTCOME_H
#define HERALD_CTL_OUTCOME_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct ctl_outcome {
    bool accepted;
    char reason[512];
    char handled_by[64];
};

enum ctl_outcome_status {
    CTL_OUTCOME_FOUND = 0,
    CTL_OUTCOME_TIMEOUT = 1,
    CTL_OUTCOME_DB_ERROR = 2,
};

/* Looks once. FOUND fills out; TIMEOUT here means "not there yet". */
enum ctl_outcome_status ctl_outcome_lookup(PGconn *pg, const char *command_id,
                                           struct ctl_outcome *out, char *err, size_t errlen);

/* Polls every 100 ms for up to timeout_s seconds. */
enum ctl_outcome_status ctl_outcome_wait(PGconn *pg, const char *command_id, double timeout_s,
                                         struct ctl_outcome *out, char *err, size_t errlen);

#endif
