/*
 * kafka_topic_cache.h - one librdkafka topic handle per topic name, shared by every thread
 * that produces.
 *
 * Why: producing by name (RD_KAFKA_V_TOPIC) makes librdkafka look the topic up under the
 * client's global write lock for every message, so the webhook's HTTP workers queue behind
 * each other and behind librdkafka's own threads. A stage produces to a handful of topics:
 * their handles are created once and kept until the producer is destroyed.
 *
 * Readers take no lock: an entry is written completely before the count that publishes it
 * (release), and never changes afterwards.
 */
#ifndef HERALD_KAFKA_TOPIC_CACHE_H
#define HERALD_KAFKA_TOPIC_CACHE_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#define KAFKA_TOPIC_CACHE_MAX 64 /* distinct topics one stage may produce to */

struct kafka_topic_cache {
    pthread_mutex_t lock; /* serialises creation only */
    atomic_size_t n;
    rd_kafka_topic_t *handles[KAFKA_TOPIC_CACHE_MAX];
};

void kafka_topic_cache_init(struct kafka_topic_cache *c);
/* Thread-safe. The handle for `name` (owned by the cache), or NULL when librdkafka refused
 * the name or KAFKA_TOPIC_CACHE_MAX topics are already in use. */
rd_kafka_topic_t *kafka_topic_cache_get(struct kafka_topic_cache *c, rd_kafka_t *rk,
                                        const char *name);
/* Releases every handle and the lock; call before rd_kafka_destroy, once nothing produces
 * any more. */
void kafka_topic_cache_destroy(struct kafka_topic_cache *c);

#endif
