/*
 * test_ctl_eta.c - sliding-window rate, ETA and duration formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "ctl_eta.h"

static void test_rate_window(void **state)
{
    struct ctl_rate_window w;
    ctl_rate_init(&w, 10.0);
    assert_true(ctl_rate_per_second(&w) == 0.0);
    ctl_rate_add(&w, 0.0, 0);
    assert_true(ctl_rate_per_second(&w) == 0.0); /* one sample */
    assert_true(ctl_rate_span(&w) == 0.0);
    ctl_rate_add(&w, 1.0, 100);
    assert_true(fabs(ctl_rate_per_second(&w) - 100.0) < 1e-9);
    /* a slow period long ago drops out of the 10 s window */
    for (int t = 2; t <= 30; t++)
        ctl_rate_add(&w, (double)t, 100 + (long long)(t - 1) * 50);
    assert_true(fabs(ctl_rate_per_second(&w) - 50.0) < 1e-9);
    assert_true(w.n <= 12);
    assert_true(ctl_rate_span(&w) >= 10.0 && ctl_rate_span(&w) < 12.0);
}

static void test_rate_window_bounded_and_flat(void **state)
{
    struct ctl_rate_window w;
    ctl_rate_init(&w, 1000.0);
    for (int i = 0; i < 1000; i++)
        ctl_rate_add(&w, i * 0.25, 7);
    assert_int_equal(w.n, CTL_RATE_WINDOW);
    assert_true(ctl_rate_per_second(&w) == 0.0); /* no progress, no rate */
    ctl_rate_init(&w, 0);
    assert_true(w.span_s == 10.0);
}

static void test_eta(void **state)
{
    assert_true(ctl_eta_seconds(0, 0) == 0.0);
    assert_true(ctl_eta_seconds(-5, 10) == 0.0);
    assert_true(ctl_eta_seconds(100, 0) == -1.0);
    assert_true(ctl_eta_seconds(100, -1) == -1.0);
    assert_true(ctl_eta_seconds(100, NAN) == -1.0);
    assert_true(ctl_eta_seconds(100, 80) == 1.25);
}

static void expect_duration(double s, const char *text)
{
    char buf[16];
    ctl_format_duration(s, buf, sizeof(buf));
    assert_string_equal(buf, text);
}

static void test_format_duration(void **state)
{
    expect_duration(-1, "--");
    expect_duration(NAN, "--");
    expect_duration(1e12, "--");
    expect_duration(0, "0s");
    expect_duration(0.2, "1s");
    expect_duration(59, "59s");
    expect_duration(60, "1m00s");
    expect_duration(137, "2m17s");
    expect_duration(3600, "1h00m");
    expect_duration(3725, "1h02m");
    expect_duration(90000, "1d01h");
    char tiny[3];
    ctl_format_duration(137, tiny, sizeof(tiny));
    assert_string_equal(tiny, "2m");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_window),
        cmocka_unit_test(test_rate_window_bounded_and_flat),
        cmocka_unit_test(test_eta),
        cmocka_unit_test(test_format_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
