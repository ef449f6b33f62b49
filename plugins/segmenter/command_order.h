/*
 * command_order.h - keeps the commands of one campaign in their Kafka order across retries.
 *
 * Why: commands are keyed by campaign id so that Kafka delivers a campaign's commands in
 * order (create before start, resume before pause). The host retries a message answered
 * HERALD_RETRY after a jittered backoff while LATER messages of the partition keep flowing,
 * so during a database outage `start` could be retried before the `create` it follows and be
 * rejected as "unknown campaign". This module parks every later message with the same
 * partition and key behind the oldest one waiting for a retry, and hands them back in order
 * once it is done; other campaigns are not held up.
 *
 * Pure bookkeeping (no I/O): the plugin asks `admit` before running a command and reports
 * every outcome with `settled`. Parked messages stay owned by the host (not completed) until
 * `settled` hands them back or `release` gives them up (revoke, shutdown).
 */
#ifndef HERALD_COMMAND_ORDER_H
#define HERALD_COMMAND_ORDER_H

#include <herald/plugin.h>
#include <stddef.h>

struct command_order;

struct command_order *command_order_new(void);
void command_order_free(struct command_order *o);

/* 1: run `m` now. 0: `m` was parked behind an earlier command of its key waiting for a retry
 * (do not complete it; `settled` hands it back). -1: out of memory (complete it with
 * HERALD_RETRY). */
int command_order_admit(struct command_order *o, struct herald_message *m);

/* Reports that `m` (admitted or handed back) ran; `retry` when it will be completed with
 * HERALD_RETRY. Call BEFORE completing `m`. Returns the next parked message of the same key
 * that may run now (only when `m` did not need a retry), or NULL. */
struct herald_message *command_order_settled(struct command_order *o, struct herald_message *m,
                                             int retry);

/* Gives up every parked message of `partition` (-1: of all partitions) in `topic` (NULL: any)
 * and forgets their keys; `give_back` is called for each, in order (complete it with
 * HERALD_RETRY: the host redelivers it, or its next owner does). Returns how many. */
size_t command_order_release(struct command_order *o, const char *topic, int partition,
                             void (*give_back)(void *arg, struct herald_message *m), void *arg);

/* Messages parked right now. */
size_t command_order_parked(const struct command_order *o);

#endif
