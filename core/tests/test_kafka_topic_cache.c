/*
 * test_kafka_topic_cache.c - the producer's topic handles: one per name, the same handle for
 * every thread asking at once, a clear refusal past the cache's capacity. Uses a real
 * librdkafka producer; topic handles need no broker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kafka_topic_cache.h"

#define THREADS 4
#define ROUNDS  2000

struct fixture {
    rd_kafka_t *rk;
    struct kafka_topic_cache cache;
};

static int setup(void **state)
{
    static struct fixture f;
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* nothing listens there: the test never connects, it only creates handles */
    rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    f.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!f.rk)
        return -1;
    kafka_topic_cache_init(&f.cache);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    kafka_topic_cache_destroy(&f->cache);
    rd_kafka_destroy(f->rk);
    return 0;
}

static void test_one_handle_per_name(void **state)
{
    struct fixture *f = *state;
    rd_kafka_topic_t *a = kafka_topic_cache_get(&f->cache, f->rk, "delivery-events");
    rd_kafka_topic_t *b = kafka_topic_cache_get(&f->cache, f->rk, "replies");
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_string_equal(rd_kafka_topic_name(a), "delivery-events");
    assert_string_equal(rd_kafka_topic_name(b), "replies");
    assert_ptr_equal(kafka_topic_cache_get(&f->cache, f->rk, "delivery-events"), a);
    assert_int_equal(atomic_load(&f->cache.n), 2);
}

struct race {
    struct fixture *f;
    rd_kafka_topic_t *seen[ROUNDS];
};

static void *get_many(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < ROUNDS; i++) {
        char name[32];
        snprintf(name, sizeof name, "race-%d", i % 8);
        r->seen[i] = kafka_topic_cache_get(&r->f->cache, r->f->rk, name);
    }
    return NULL;
}

/* Threads creating the same names at once must all end up with the same handles. */
static void test_concurrent_gets_share_handles(void **state)
{
    struct fixture *f = *state;
    static struct race races[THREADS];
    pthread_t t[THREADS];
    size_t before = atomic_load(&f->cache.n);
    for (int i = 0; i < THREADS; i++) {
        races[i].f = f;
        assert_int_equal(pthread_create(&t[i], NULL, get_many, &races[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < ROUNDS; i++) {
        assert_non_null(races[0].seen[i]);
        for (int k = 1; k < THREADS; k++)
            assert_ptr_equal(races[k].seen[i], races[0].seen[i]);
    }
    assert_int_equal(atomic_load(&f->cache.n), before + 8);
}

static void test_full_cache_refuses_new_names(void **state)
{
    struct fixture *f = *state;
    char name[32];
    for (int i = 0; atomic_load(&f->cache.n) < KAFKA_TOPIC_CACHE_MAX; i++) {
        snprintf(name, sizeof name, "fill-%d", i);
        assert_non_null(kafka_topic_cache_get(&f->cache, f->rk, name));
    }
    assert_null(kafka_topic_cache_get(&f->cache, f->rk, "one-too-many"));
    /* names already cached keep working */
    assert_non_null(kafka_topic_cache_get(&f->cache, f->rk, "replies"));
    assert_int_equal(atomic_load(&f->cache.n), KAFKA_TOPIC_CACHE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_handle_per_name),
        cmocka_unit_test(test_concurrent_gets_share_handles),
        cmocka_unit_test(test_full_cache_refuses_new_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
