/*
 * inflight.h - the life of one consumed message from poll to stored offset.
 *
 * Why: this is where at-least-once is decided. A message is finalised (its offset becomes
 * storable) only when the plugin completed it AND every child produce was acknowledged;
 * HERALD_RETRY sends it through the retry scheduler without blocking its partition;
 * HERALD_ERROR dead-letters it. All functions run on the main thread.
 */
#ifndef HERALD_INFLIGHT_H
#define HERALD_INFLIGHT_H

#include "stage.h"

/* Copies a consumed Kafka message into a new in-flight message (payload NUL-terminated) and
 * tracks its offset. The caller still owns and destroys rkm. Returns NULL, handing out
 * nothing, when the client delivered an offset of this assignment a second time (counted and
 * skipped: the first copy is still being or was already processed) or when out of memory
 * (the stage is then stopped as fatal, so no offset after the untracked one is committed). */
struct host_msg *inflight_new(struct stage *s, struct host_plugin *hp, struct partition_state *ps,
                              const rd_kafka_message_t *rkm);
/* api->done / done_reason. */
void inflight_done(struct host_msg *m, herald_status status, const char *reason);
/* A child produce of m was acknowledged (ok=1) or failed (ok=0). */
void inflight_child_result(struct host_msg *m, int ok);
/* Hands every due retry back to its plugin (appends to the plugin batches). */
void inflight_collect_retries(struct stage *s, int64_t now_ms);
/* Frees everything still in flight (at exit, after the plugins' cb_exit). */
void inflight_free_all(struct stage *s);

#endif
