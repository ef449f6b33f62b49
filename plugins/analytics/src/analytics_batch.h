/*
 * analytics_batch.h - turn one Kafka batch into COPY rows and a list of commands.
 *
 * Why: the plugin must fold a whole cb_process batch in one transaction. This file decides,
 * per message, what it is (a status to fold, a reply to store, a recalculate to run, something
 * to ignore, or an error with a reason) and encodes the foldable ones as COPY rows for the
 * staging tables of migrations/041, statuses of the same recipient merged into one row
 * (analytics_merge.h). Pure: no database, no host; the unit tests drive it.
 */
#ifndef HERALD_ANALYTICS_BATCH_H
#define HERALD_ANALYTICS_BATCH_H

#include "analytics_command.h"
#include "analytics_copy.h"
#include "analytics_merge.h"
#include "analytics_opt_keywords.h"

#include <stddef.h>
#include <stdint.h>

#define ANALYTICS_TOPIC_EVENTS   "delivery-events"
#define ANALYTICS_TOPIC_REPLIES  "replies"
#define ANALYTICS_TOPIC_COMMANDS "campaign-commands"

typedef enum analytics_verdict {
    ANALYTICS_V_FOLD = 0,   /* encoded into the staging rows */
    ANALYTICS_V_RECALC = 1, /* appended to the command list */
    ANALYTICS_V_IGNORE = 2, /* nothing to write: complete as done */
    ANALYTICS_V_ERROR = 3,  /* can never succeed: err says why */
} analytics_verdict;

struct analytics_batch_command {
    struct analytics_command cmd;
    char *payload; /* owned copy of the command, for command_results */
    int32_t partition;
    int64_t offset;
};

struct analytics_batch {
    struct analytics_merge merged;    /* keyed events, one entry per recipient until sealed */
    struct analytics_copybuf events;  /* analytics_stage rows */
    struct analytics_copybuf replies; /* analytics_stage_replies rows */
    struct analytics_batch_command *commands;
    size_t ncommands;
    size_t cap_commands;
    int failed; /* out of memory: treat the batch as a transient failure */
    /* Borrowed, may be NULL (no keywords): classifies each reply for the `opt` column. */
    const struct analytics_opt_keywords *keywords;
};

/* Column lists matching the encoded rows, for the COPY statements. */
extern const char ANALYTICS_STAGE_COLUMNS[];
extern const char ANALYTICS_STAGE_REPLY_COLUMNS[];

void analytics_batch_init(struct analytics_batch *b);
void analytics_batch_reset(struct analytics_batch *b); /* keeps buffers for reuse */
void analytics_batch_free(struct analytics_batch *b);
int analytics_batch_empty(const struct analytics_batch *b);

/* Write the merged per-recipient rows into `events`. Idempotent; the store calls it before
 * COPY, so a batch is always complete when applied. */
void analytics_batch_seal(struct analytics_batch *b);

/* Classify one consumed message and encode it. */
analytics_verdict analytics_batch_add(struct analytics_batch *b, const char *topic,
                                      const char *payload, size_t len, int64_t kafka_ts_ms,
                                      int32_t partition, int64_t offset, char *err, size_t errlen);

#endif
