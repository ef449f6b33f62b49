/*
 * kafka_producer.h - the stage's idempotent producer and its delivery reports.
 *
 * Why: a produced message is only "done" once Kafka acknowledged it (acks=all, idempotent),
 * and a consumed parent may only be committed after all its children are acknowledged.
 * Delivery reports are collected during rd_kafka_poll and applied by the main loop at a
 * safe point, so plugin callbacks never run re-entrantly inside another plugin call.
 */
#ifndef HERALD_KAFKA_PRODUCER_H
#define HERALD_KAFKA_PRODUCER_H

#include <stddef.h>

#include "stage.h"

/* The producer's librdkafka conf: defaults, kafka.properties ("producer." ones too), then
 * idempotence and acks=all re-asserted. Caller owns it; NULL with err on a bad property. */
rd_kafka_conf_t *kafka_producer_conf(const struct stage_config *cfg, char *err, size_t errlen);
int kafka_producer_create(struct stage *s, char *err, size_t errlen);
/* Thread-safe. `headers` (may be NULL) is consumed on success and on failure. */
int kafka_producer_send(struct stage *s, struct host_plugin *hp, const char *topic, const char *key,
                        size_t key_len, const char *payload, size_t len, struct host_msg *parent,
                        herald_delivery_cb cb, void *opaque, rd_kafka_headers_t *headers);
/* Main thread: serve librdkafka events and apply the delivery reports collected. */
void kafka_producer_poll(struct stage *s);
/* Main thread: wait up to timeout_ms for every outstanding produce, then apply reports. */
void kafka_producer_flush(struct stage *s, int timeout_ms);
int kafka_producer_outstanding(struct stage *s);
void kafka_producer_destroy(struct stage *s);

/* Applies "key=value" properties to a librdkafka conf; `role` ("producer"/"consumer") lets
 * "producer.x=y" / "consumer.x=y" target one client. Returns 0 or -1 with err. */
int kafka_conf_apply(rd_kafka_conf_t *conf, char **props, size_t n, const char *role, char *err,
                     size_t errlen);
/* librdkafka's log callback, routing its lines into our JSON log. */
void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf);

#endif
