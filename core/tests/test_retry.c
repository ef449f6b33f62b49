/*
 * test_retry.c - backoff grows exponentially, is capped, stays within its jitter window,
 * and the scheduler hands items back in due order only once they are due.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "herald/retry_backoff.h"
#include "retry_scheduler.h"

static void test_backoff_bounds(void **state)
{
    /* attempt 1: base 200 => [100, 200]; attempt 3: base 800 => [400, 800] */
    assert_int_equal(retry_backoff_ms(1, 200, 30000, 0), 100);
    assert_int_equal(retry_backoff_ms(1, 200, 30000, 100), 200);
    assert_int_equal(retry_backoff_ms(3, 200, 30000, 0), 400);
    assert_int_equal(retry_backoff_ms(3, 200, 30000, 400), 800);
    for (uint32_t r = 0; r < 5000; r += 7) {
        int64_t d = retry_backoff_ms(2, 200, 30000, r * 2654435761u);
        assert_true(d >= 200 && d <= 400);
    }
}

static void test_backoff_capped(void **state)
{
    for (int attempt = 1; attempt < 200; attempt++) {
        int64_t d = retry_backoff_ms(attempt, 200, 30000, 0xffffffffu);
        assert_true(d <= 30000);
        assert_true(d >= 100);
    }
    assert_int_equal(retry_backoff_ms(40, 200, 30000, 0), 15000);
}

static void test_backoff_bad_config_is_sane(void **state)
{
    assert_true(retry_backoff_ms(0, 0, 0, 5) >= 0);
    assert_true(retry_backoff_ms(-3, 10, 5, 5) <= 10);
}

static void test_scheduler_order(void **state)
{
    struct retry_scheduler r;
    retry_scheduler_init(&r);
    int items[100];
    for (int i = 0; i < 100; i++) {
        items[i] = i;
        retry_scheduler_add(&r, 1000 + (i * 37) % 100, &items[i]);
    }
    assert_null(retry_scheduler_pop_due(&r, 999));
    assert_int_equal(retry_scheduler_next_due(&r), 1000);
    int64_t last = -1;
    int count = 0;
    int *it;
    while ((it = retry_scheduler_pop_due(&r, 1049))) {
        int64_t due = 1000 + (*it * 37) % 100;
        assert_true(due >= last);
        assert_true(due <= 1049);
        last = due;
        count++;
    }
    assert_int_equal(count, 50);
    assert_int_equal(retry_scheduler_size(&r), 50);
    assert_int_equal(retry_scheduler_next_due(&r), 1050);
    retry_scheduler_free(&r);
    assert_int_equal(retry_scheduler_next_due(&r), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_bounds),
        cmocka_unit_test(test_backoff_capped),
        cmocka_unit_test(test_backoff_bad_config_is_sane),
        cmocka_unit_test(test_scheduler_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
