/*
 * test_dispatcher_limits.c - the token bucket never lets more than floor(rate) sends into any
 * 1-second window yet reaches the rate on average; adaptive backoff halves and recovers; the
 * pair limiter holds one recipient only; backoff grows, is bounded and jittered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dispatcher_rate_limiter.h"
#include "pair_rate_limiter.h"

/* Drive a bucket like the pump does: every `tick_ms`, sometimes `late_ms` late (a slow
 * database commit), for `dur_ms`; record send times; return how many were sent and the max
 * within any 1000 ms window. */
static int simulate(double rate, int tick_ms, int late_every, int late_ms, int dur_ms,
                    int *max_window)
{
    struct disp_bucket b;
    int64_t *sent = calloc((size_t)(rate * dur_ms / 1000.0) + 64, sizeof(int64_t));
    int n = 0;
    assert_int_equal(disp_bucket_init(&b, rate, 0), 0);
    disp_bucket_set_safety(&b, 0.995);
    int64_t t = 0;
    int pending = 0; /* claimed, waiting for the send window */
    for (int i = 0; t < dur_ms; i++) {
        while (disp_bucket_take(&b, t))
            pending++;
        while (pending > 0 && disp_bucket_send(&b, t)) {
            sent[n++] = t;
            pending--;
        }
        t += tick_ms + ((late_every && i % late_every == 0) ? late_ms : 0);
    }
    *max_window = 0;
    for (int i = 0, j = 0; i < n; i++) {
        while (sent[i] - sent[j] >= 1000)
            j++;
        if (i - j + 1 > *max_window)
            *max_window = i - j + 1;
    }
    free(sent);
    disp_bucket_free(&b);
    return n;
}

static void window_never_exceeds_rate(void **state)
{
    double rates[] = {5, 80, 99, 200, 1000, 20000};
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        int maxw;
        int n = simulate(rates[i], 1, 10, 10, 10000, &maxw);
        print_message("rate %g: %d sent, max window %d\n", rates[i], n, maxw);
        long margin = lround(rates[i] * 0.005);
        if (margin < 1 && rates[i] >= 100)
            margin = 1;
        assert_true(maxw <= (int)rates[i] - margin);
        /* average within 1 % of the rate even with late ticks */
        assert_true(n >= rates[i] * 10 * 0.99);
        assert_true(n <= rates[i] * 10 + 1);
    }
}

static void slow_rates_work(void **state)
{
    int maxw;
    int n = simulate(0.5, 10, 0, 0, 10000, &maxw);
    assert_in_range(n, 5, 6);
}

static void throttle_cuts_then_recovers(void **state)
{
    struct disp_bucket b;
    disp_bucket_init(&b, 100, 0);
    disp_bucket_throttled(&b, 1000);
    assert_true(fabs(disp_bucket_rate(&b) - 80.0) < 1e-9);
    disp_bucket_throttled(&b, 1100); /* same burst of failures: counted once */
    assert_true(fabs(disp_bucket_rate(&b) - 80.0) < 1e-9);
    disp_bucket_throttled(&b, 1300);
    assert_true(fabs(disp_bucket_rate(&b) - 64.0) < 1e-9);
    for (int i = 0; i < 50; i++)
        disp_bucket_throttled(&b, 2000 + i * 300);
    assert_true(disp_bucket_rate(&b) >= 5.0 - 1e-9); /* floor at 5 % */
    int64_t t = 20000;
    double prev = disp_bucket_rate(&b);
    (void)disp_bucket_take(&b, t);
    assert_true(disp_bucket_rate(&b) > prev); /* quiet for > 1 s: climbing */
    for (int i = 0; i < 20; i++) {
        t += 250;
        (void)disp_bucket_take(&b, t);
    }
    assert_true(disp_bucket_rate(&b) == 100.0); /* 5 % per 250 ms: back within ~5 s */
    disp_bucket_free(&b);
}

static void refund_and_wait(void **state)
{
    struct disp_bucket b;
    disp_bucket_init(&b, 10, 0);
    assert_true(disp_bucket_take(&b, 0));
    assert_false(disp_bucket_take(&b, 0));
    assert_in_range(disp_bucket_wait_ms(&b, 0), 99, 101);
    disp_bucket_refund(&b);
    assert_int_equal(disp_bucket_wait_ms(&b, 0), 0);
    assert_true(disp_bucket_take(&b, 0));
    disp_bucket_set_rate(&b, 1000, 0);
    assert_in_range(disp_bucket_wait_ms(&b, 0), 1, 2);
    disp_bucket_free(&b);
}

static void send_window_holds_the_rate_plus_one(void **state)
{
    struct disp_bucket b;
    disp_bucket_init(&b, 10, 0);
    /* pacing: one send per 100 ms, at most one interval (100 ms) ahead of schedule */
    assert_true(disp_bucket_send(&b, 0));
    assert_true(disp_bucket_send(&b, 0));
    assert_false(disp_bucket_send(&b, 99));
    assert_int_equal(disp_bucket_send_wait_ms(&b, 99), 51); /* half the slack: tat 200 - 50 */
    assert_true(disp_bucket_send(&b, 100));
    for (int i = 3; i < 10; i++)
        assert_true(disp_bucket_send(&b, i * 100));
    /* ten sent in [0, 900]: the window refuses until the first one ages out */
    assert_false(disp_bucket_send(&b, 950));
    assert_int_equal(disp_bucket_send_wait_ms(&b, 950), 51);
    assert_false(disp_bucket_send(&b, 1000));
    assert_true(disp_bucket_send(&b, 1001));  /* both sends of t=0 aged out */
    assert_true(disp_bucket_send(&b, 1001));  /* one interval early: within the slack */
    assert_false(disp_bucket_send(&b, 1001)); /* paced: the next is due at 1201 */
    disp_bucket_free(&b);
}

/* The regression of 2026-11-26: sends released in a bunch (the first claims, a database
 * stall) came out as the same bunch every following second, because the 1-second window
 * reopens exactly as the bunch ages out (384 sends in 100 ms at 1000/s). Paced, a stall
 * costs its own time and the sends after it are spread again. */
static void a_stall_does_not_leave_a_repeating_bunch(void **state)
{
    double rate = 1000;
    struct disp_bucket b;
    assert_int_equal(disp_bucket_init(&b, rate, 0), 0);
    disp_bucket_set_safety(&b, 0.995);
    int64_t *sent = calloc(20000, sizeof(int64_t));
    int n = 0, pending = 0;
    for (int64_t t = 0; t < 10000; t++) {
        while (disp_bucket_take(&b, t))
            pending++;
        if (t >= 600 && t < 1100)
            continue; /* the claims stall for half a second */
        while (pending > 0 && disp_bucket_send(&b, t)) {
            sent[n++] = t;
            pending--;
        }
    }
    int max100 = 0;
    for (int i = 0, j = 0; i < n; i++) {
        while (sent[i] - sent[j] >= 100)
            j++;
        if (sent[i] >= 1200 && i - j + 1 > max100)
            max100 = i - j + 1;
    }
    print_message("after a stall: at most %d sends in any 100 ms (rate %g)\n", max100, rate);
    /* 100 ms of traffic plus the 20 ms slack */
    assert_true(max100 <= 100 + 20 + 1);
    /* and the rate is held after the stall: 8.9 s of sending from 1100 on */
    int after = 0;
    for (int i = 0; i < n; i++)
        after += sent[i] >= 1100;
    assert_true(after >= rate * 0.995 * 8.9 * 0.99);
    free(sent);
    disp_bucket_free(&b);
}

static void pair_limiter_holds_one_recipient(void **state)
{
    struct pair_limiter *p = pair_limiter_new(6000);
    assert_int_equal(pair_limiter_wait_ms(p, "4915100000001", 0), 0);
    pair_limiter_record(p, "4915100000001", 1000);
    assert_int_equal(pair_limiter_wait_ms(p, "4915100000001", 1000), 6000);
    assert_int_equal(pair_limiter_wait_ms(p, "4915100000002", 1000), 0);
    assert_int_equal(pair_limiter_wait_ms(p, "4915100000001", 7000), 0);
    pair_limiter_penalise(p, "4915100000002", 2000);
    assert_int_equal(pair_limiter_wait_ms(p, "4915100000002", 3000), 5000);
    pair_limiter_record(p, "4915100000003", 2000);
    pair_limiter_forget(p, "4915100000003");
    assert_int_equal(pair_limiter_wait_ms(p, "4915100000003", 2000), 0);
    pair_limiter_forget(p, "4915100000003"); /* unknown: nothing happens */
    assert_int_equal(pair_limiter_prune(p, 7500), 1);
    assert_int_equal(pair_limiter_prune(p, 9000), 0);
    /* many entries force the table to grow and stay correct */
    char phone[16];
    for (int i = 0; i < 20000; i++) {
        snprintf(phone, sizeof(phone), "49151%08d", i);
        pair_limiter_record(p, phone, 10000);
    }
    snprintf(phone, sizeof(phone), "49151%08d", 12345);
    assert_int_equal(pair_limiter_wait_ms(p, phone, 10000), 6000);
    pair_limiter_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_never_exceeds_rate),
        cmocka_unit_test(slow_rates_work),
        cmocka_unit_test(throttle_cuts_then_recovers),
        cmocka_unit_test(refund_and_wait),
        cmocka_unit_test(send_window_holds_the_rate_plus_one),
        cmocka_unit_test(a_stall_does_not_leave_a_repeating_bunch),
        cmocka_unit_test(pair_limiter_holds_one_recipient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
