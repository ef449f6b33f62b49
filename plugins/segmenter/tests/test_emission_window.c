/*
 * test_emission_window.c - lookahead window: seconds of rate, floor, cap, batch bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emission_window.h"

static const struct emission_config cfg = {.lookahead_seconds = 5,
                                           .lookahead_min = 200,
                                           .lookahead_max = 5000,
                                           .default_rate = 80,
                                           .batch_max = 1000};

static void test_window(void **state)
{
    assert_int_equal(emission_window(&cfg, 0), 400);       /* 80/s default * 5 s */
    assert_int_equal(emission_window(&cfg, 10), 200);      /* floor */
    assert_int_equal(emission_window(&cfg, 100000), 5000); /* cap */
    assert_int_equal(emission_window(&cfg, 100.5), 503);   /* rounds up */
}

static void test_budget(void **state)
{
    assert_int_equal(emission_budget(&cfg, 0, 0), 400);
    assert_int_equal(emission_budget(&cfg, 0, 390), 10);
    assert_int_equal(emission_budget(&cfg, 0, 400), 0);
    assert_int_equal(emission_budget(&cfg, 0, 9999), 0);
    assert_int_equal(emission_budget(&cfg, 1000, 0), 1000); /* window 5000, batch 1000 */
    assert_int_equal(emission_budget(&cfg, 0, -5), 400);
}

static void test_degenerate_config(void **state)
{
    struct emission_config zero = {0};
    assert_int_equal(emission_window(&zero, 0), 1);
    assert_int_equal(emission_budget(&zero, 0, 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_degenerate_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
