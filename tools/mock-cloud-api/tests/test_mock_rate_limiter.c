/*
 * Throughput and pair limits, with the clock under the test's control.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "mock_rate_limiter.h"
#include "mock_sliding_window.h"

static void sliding_window_counts_only_the_last_window(void **state)
{
    mock_sliding_window_t w;
    mock_sliding_window_init(&w);
    for (int i = 0; i < 200; i++) /* forces growth of the ring */
        assert_int_equal(mock_sliding_window_add(&w, 1000 + i, 1000), (size_t)i + 1);
    assert_int_equal(mock_sliding_window_expire(&w, 1999, 1000), 200);
    assert_int_equal(mock_sliding_window_expire(&w, 2000, 1000), 199); /* t=1000 left */
    assert_int_equal(mock_sliding_window_expire(&w, 2199, 1000), 0);
    mock_sliding_window_free(&w);
}

/* Brute force: most events in any window (e - w, e]. */
static size_t brute_max(const int64_t *ts, size_t n, int64_t w)
{
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        for (size_t j = 0; j < n; j++)
            c += ts[j] > ts[i] - w && ts[j] <= ts[i];
        if (c > best)
            best = c;
    }
    return best;
}

static void insert_out_of_order_gives_the_exact_maximum(void **state)
{
    srand(7);
    for (int round = 0; round < 50; round++) {
        int64_t ts[600];
        size_t n = 300 + (size_t)(rand() % 300);
        int64_t t = 1000000;
        for (size_t i = 0; i < n; i++) {
            t += rand() % 9;        /* bursts of equal milliseconds and gaps */
            ts[i] = t - rand() % 6; /* recorded up to 5 ms out of order */
        }
        mock_sliding_window_t w;
        mock_sliding_window_init(&w);
        size_t best = 0;
        for (size_t i = 0; i < n; i++) {
            size_t got = mock_sliding_window_insert(&w, ts[i], 1000);
            if (got > best)
                best = got;
        }
        assert_int_equal(best, brute_max(ts, n, 1000));
        mock_sliding_window_free(&w);
    }
}

static void throughput_limit_is_a_sliding_second(void **state)
{
    mock_rate_limiter_t *rl = mock_rate_limiter_new();
    int admitted = 0;
    for (int i = 0; i < 100; i++)
        admitted += mock_rate_limiter_admit(rl, "111", 80, 5000);
    assert_int_equal(admitted, 80);
    /* Another number has its own budget. */
    assert_int_equal(mock_rate_limiter_admit(rl, "222", 80, 5000), 1);
    /* Half a second later the window still holds 80: a token bucket would refill here. */
    assert_int_equal(mock_rate_limiter_admit(rl, "111", 80, 5500), 0);
    assert_int_equal(mock_rate_limiter_admit(rl, "111", 80, 5999), 0);
    admitted = 0;
    for (int i = 0; i < 100; i++)
        admitted += mock_rate_limiter_admit(rl, "111", 80, 6000);
    assert_int_equal(admitted, 80);
    mock_rate_limiter_free(rl);
}

static void spread_sends_at_the_limit_all_pass(void **state)
{
    mock_rate_limiter_t *rl = mock_rate_limiter_new();
    int admitted = 0;
    for (int i = 0; i < 1000; i++) /* 200/s for 5 s, one every 5 ms */
        admitted += mock_rate_limiter_admit(rl, "111", 200, 10000 + i * 5);
    assert_int_equal(admitted, 1000);
    /* 201/s over the same second: exactly one over. */
    mock_rate_limiter_reset(rl);
    admitted = 0;
    for (int i = 0; i < 201; i++)
        admitted += mock_rate_limiter_admit(rl, "111", 200, 10000 + i * 4);
    assert_int_equal(admitted, 200);
    mock_rate_limiter_free(rl);
}

static void zero_rate_is_unlimited_and_fractional_rates_work(void **state)
{
    mock_rate_limiter_t *rl = mock_rate_limiter_new();
    for (int i = 0; i < 10000; i++)
        assert_int_equal(mock_rate_limiter_admit(rl, "111", 0, 1), 1);
    assert_int_equal(mock_rate_limiter_admit(rl, "333", 0.5, 1000), 1);
    assert_int_equal(mock_rate_limiter_admit(rl, "333", 0.5, 2999), 0);
    assert_int_equal(mock_rate_limiter_admit(rl, "333", 0.5, 3000), 1);
    mock_rate_limiter_free(rl);
}

static void pair_limit_per_recipient(void **state)
{
    mock_rate_limiter_t *rl = mock_rate_limiter_new();
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", "49151", 6000, 1000), 1);
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", "49151", 6000, 6999), 0);
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", "49152", 6000, 6999), 1);
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "222", "49151", 6000, 6999), 1);
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", "49151", 6000, 7000), 1);
    /* A rejected attempt does not push the next allowed time out. */
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", "49151", 6000, 12999), 0);
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", "49151", 6000, 13000), 1);
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", "49151", 0, 13001), 1);
    /* Many recipients: the table grows and keeps every entry. */
    char to[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(to, sizeof to, "49%09d", i);
        assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", to, 6000, 20000), 1);
    }
    for (int i = 0; i < 50000; i += 997) {
        snprintf(to, sizeof to, "49%09d", i);
        assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", to, 6000, 20001), 0);
    }
    mock_rate_limiter_reset(rl);
    assert_int_equal(mock_rate_limiter_admit_pair(rl, "111", "49151", 6000, 13002), 1);
    mock_rate_limiter_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sliding_window_counts_only_the_last_window),
        cmocka_unit_test(insert_out_of_order_gives_the_exact_maximum),
        cmocka_unit_test(throughput_limit_is_a_sliding_second),
        cmocka_unit_test(spread_sends_at_the_limit_all_pass),
        cmocka_unit_test(zero_rate_is_unlimited_and_fractional_rates_work),
        cmocka_unit_test(pair_limit_per_recipient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
