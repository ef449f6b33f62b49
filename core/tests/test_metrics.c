/*
 * test_metrics.c - counters stay exact when several threads add to them at once (values are
 * updated without the registry lock), gauges keep the last value set, and the text
 * exposition carries both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define THREADS 4
#define ADDS    200000

static void *add_many(void *arg)
{
    struct metric *c = arg;
    for (int i = 0; i < ADDS; i++)
        metric_add(c, i % 2 ? 1.0 : 2.0);
    return NULL;
}

static void test_concurrent_adds_are_exact(void **state)
{
    (void)state;
    struct metrics *m = metrics_new("t");
    struct metric *c = metrics_register(m, "herald_test_total", "adds", METRIC_COUNTER);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, add_many, c), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_true(metric_get(c) == (double)THREADS * ADDS * 3 / 2);
    metrics_free(m);
}

static void test_gauge_and_render(void **state)
{
    (void)state;
    struct metrics *m = metrics_new("stage \"a\"");
    struct metric *g = metrics_register(m, "herald_waiting", "waiting now", METRIC_GAUGE);
    struct metric *c = metrics_register(m, "herald-bad name", "h", METRIC_COUNTER);
    assert_ptr_equal(metrics_register(m, "herald_waiting", "again", METRIC_GAUGE), g);
    metric_set(g, 7.5);
    metric_set(g, 3.25);
    metric_add(c, 0.5);
    assert_true(metric_get(g) == 3.25);
    char *text = metrics_render(m);
    assert_non_null(text);
    assert_non_null(strstr(
        text, "# TYPE herald_waiting gauge\nherald_waiting{stage=\"stage \\\"a\\\"\"} 3.25\n"));
    assert_non_null(strstr(text, "# TYPE herald_bad_name counter\nherald_bad_name{stage="));
    assert_non_null(strstr(text, "} 0.5\n"));
    free(text);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_adds_are_exact),
        cmocka_unit_test(test_gauge_and_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
