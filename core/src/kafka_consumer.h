/*
 * kafka_consumer.h - the stage's high-level consumer: subscribe, poll, rebalance, offsets.
 *
 * Why: offsets are stored by the host (enable.auto.offset.store=false) only for messages that
 * are complete (offset_tracker), auto-commit then commits what was stored, and a rebalance
 * (eager or cooperative) resets the affected partitions and tells the plugins.
 */
#ifndef HERALD_KAFKA_CONSUMER_H
#define HERALD_KAFKA_CONSUMER_H

#include <stddef.h>

#include "stage.h"

/* The consumer's librdkafka conf: group, kafka.properties ("consumer." ones too), then the
 * offset settings at-least-once depends on. Caller owns it; NULL with err on a bad property. */
rd_kafka_conf_t *kafka_consumer_conf(const struct stage_config *cfg, char *err, size_t errlen);
/* Creates the consumer and subscribes to every plugin's topics (prefixed). */
int kafka_consumer_create(struct stage *s, char *err, size_t errlen);
/* Waits up to timeout_ms for the first message, then takes what is ready, up to batch_size
 * messages, appending them to their plugin's batch. Serves rebalances. Returns the count.
 * With `discard`, messages are dropped untracked (shutdown). */
size_t kafka_consumer_poll(struct stage *s, int timeout_ms, int discard);
/* Stores the advanced offsets of every partition touched since the last call. */
void kafka_consumer_store_offsets(struct stage *s);
/* Pauses (1) or resumes (0) every assigned partition. */
void kafka_consumer_set_paused(struct stage *s, int paused);
/* Owned and total partitions of a logical topic (total from metadata, cached). */
void kafka_consumer_partition_share(struct stage *s, const char *logical, int *owned, int *total);
/* Sum of (high watermark - consumed position) over assigned partitions. */
double kafka_consumer_lag(struct stage *s);
/* Stores, commits synchronously and leaves the group. */
void kafka_consumer_close(struct stage *s);
void kafka_consumer_destroy(struct stage *s);

#endif
