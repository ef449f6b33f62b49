/*
 * kafka_topic_cache.c - topic handles created once per name (see the header for why).
 */
#include "kafka_topic_cache.h"

#include <string.h>

void kafka_topic_cache_init(struct kafka_topic_cache *c)
{
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->n, 0);
}

static rd_kafka_topic_t *find(struct kafka_topic_cache *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rd_kafka_topic_name(c->handles[i]), name) == 0)
            return c->handles[i];
    return NULL;
}

rd_kafka_topic_t *kafka_topic_cache_get(struct kafka_topic_cache *c, rd_kafka_t *rk,
                                        const char *name)
{
    rd_kafka_topic_t *t = find(c, atomic_load_explicit(&c->n, memory_order_acquire), name);
    if (t)
        return t;
    pthread_mutex_lock(&c->lock);
    size_t n = atomic_load_explicit(&c->n, memory_order_relaxed);
    t = find(c, n, name); /* another thread may have created it meanwhile */
    if (!t && n < KAFKA_TOPIC_CACHE_MAX && (t = rd_kafka_topic_new(rk, name, NULL))) {
        c->handles[n] = t;
        atomic_store_explicit(&c->n, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&c->lock);
    return t;
}

void kafka_topic_cache_destroy(struct kafka_topic_cache *c)
{
    size_t n = atomic_exchange(&c->n, 0);
    for (size_t i = 0; i < n; i++)
        rd_kafka_topic_destroy(c->handles[i]);
    pthread_mutex_destroy(&c->lock);
}
