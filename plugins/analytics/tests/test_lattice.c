/*
 * test_lattice.c - the delivery lattice is order-independent, idempotent and never goes back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analytics_lattice.h"

#define T0 1764100000000LL

static struct analytics_state ev(analytics_event_type t, int64_t ts, int wamid, int32_t code,
                                 const char *title)
{
    struct analytics_state s;
    analytics_state_from_event(t, ts, wamid, code, title, &s);
    return s;
}

static void test_type_names(void **state)
{
    (void)state;
    analytics_event_type t;
    assert_int_equal(analytics_event_type_parse("read", &t), 0);
    assert_int_equal(t, ANALYTICS_EV_READ);
    assert_int_equal(analytics_event_type_parse("failed", &t), 0);
    assert_int_equal(t, ANALYTICS_EV_FAILED);
    assert_int_equal(analytics_event_type_parse("deleted", &t), -1);
    assert_int_equal(analytics_event_type_parse(NULL, &t), -1);
    assert_string_equal(analytics_event_type_name(ANALYTICS_EV_SENT), "sent");
}

static void test_read_implies_lower_steps(void **state)
{
    (void)state;
    struct analytics_state s = ev(ANALYTICS_EV_READ, T0, 1, 0, NULL);
    assert_int_equal(s.accepted_ms, T0);
    assert_int_equal(s.sent_ms, T0);
    assert_int_equal(s.delivered_ms, T0);
    assert_int_equal(s.read_ms, T0);
    assert_int_equal(s.failed_ms, 0);
    assert_string_equal(analytics_state_status(&s), "read");
}

static void test_failed_is_separate(void **state)
{
    (void)state;
    struct analytics_state dispatcher = ev(ANALYTICS_EV_FAILED, T0, 0, 131026, "undeliverable");
    assert_int_equal(dispatcher.accepted_ms, 0);
    assert_int_equal(dispatcher.failed_ms, T0);
    assert_string_equal(analytics_state_status(&dispatcher), "failed");
    struct analytics_state webhook = ev(ANALYTICS_EV_FAILED, T0, 1, 131026, "undeliverable");
    assert_int_equal(webhook.accepted_ms, T0); /* it had a wamid: the API had accepted it */
    assert_int_equal(webhook.sent_ms, 0);
}

static void test_late_lower_step_changes_nothing(void **state)
{
    (void)state;
    struct analytics_state s = ev(ANALYTICS_EV_DELIVERED, T0 + 2000, 1, 0, NULL);
    struct analytics_state before = s;
    struct analytics_state late_sent = ev(ANALYTICS_EV_SENT, T0 + 3000, 1, 0, NULL);
    analytics_state_merge(&s, &late_sent);
    assert_true(analytics_state_equal(&s, &before));
    assert_string_equal(analytics_state_status(&s), "delivered");
}

static void test_earlier_step_time_wins(void **state)
{
    (void)state;
    struct analytics_state s = ev(ANALYTICS_EV_READ, T0 + 5000, 1, 0, NULL);
    struct analytics_state del = ev(ANALYTICS_EV_DELIVERED, T0 + 2000, 1, 0, NULL);
    analytics_state_merge(&s, &del);
    assert_int_equal(s.delivered_ms, T0 + 2000);
    assert_int_equal(s.read_ms, T0 + 5000);
    assert_int_equal(s.sent_ms, T0 + 2000);
}

static void test_failed_after_sent_is_failed(void **state)
{
    (void)state;
    struct analytics_state s = ev(ANALYTICS_EV_SENT, T0, 1, 0, NULL);
    struct analytics_state f = ev(ANALYTICS_EV_FAILED, T0 + 100, 1, 131047, "re-engagement");
    analytics_state_merge(&s, &f);
    assert_string_equal(analytics_state_status(&s), "failed");
    assert_int_equal(s.sent_ms, T0);
    assert_int_equal(s.error_code, 131047);
    assert_string_equal(s.error_title, "re-engagement");
}

static void test_failure_tie_break(void **state)
{
    (void)state;
    struct analytics_state a = ev(ANALYTICS_EV_FAILED, T0, 1, 131050, "b");
    struct analytics_state b = ev(ANALYTICS_EV_FAILED, T0, 1, 131026, "z");
    struct analytics_state c = ev(ANALYTICS_EV_FAILED, T0 - 1, 1, 131999, "late code");
    struct analytics_state x = a, y = b;
    analytics_state_merge(&x, &b);
    analytics_state_merge(&y, &a);
    assert_true(analytics_state_equal(&x, &y));
    assert_int_equal(x.error_code, 131026); /* same time: lower code */
    analytics_state_merge(&x, &c);
    assert_int_equal(x.error_code, 131999); /* earlier failure wins whatever its code */
}

/* Every permutation of a stream with a duplicate gives the same state as the sorted stream. */
static struct analytics_state events[6];
static int used[6];
static struct analytics_state expected;
static int permutations;

static void permute(struct analytics_state *acc, int depth, int n)
{
    if (depth == n) {
        assert_true(analytics_state_equal(acc, &expected));
        permutations++;
        return;
    }
    for (int i = 0; i < n; i++) {
        if (used[i])
            continue;
        used[i] = 1;
        struct analytics_state next = *acc;
        analytics_state_merge(&next, &events[i]);
        permute(&next, depth + 1, n);
        used[i] = 0;
    }
}

static void test_any_order_same_state(void **state)
{
    (void)state;
    events[0] = ev(ANALYTICS_EV_ACCEPTED, T0, 1, 0, NULL);
    events[1] = ev(ANALYTICS_EV_SENT, T0 + 1000, 1, 0, NULL);
    events[2] = ev(ANALYTICS_EV_DELIVERED, T0 + 2000, 1, 0, NULL);
    events[3] = ev(ANALYTICS_EV_READ, T0 + 9000, 1, 0, NULL);
    events[4] = events[2]; /* duplicate */
    events[5] = ev(ANALYTICS_EV_FAILED, T0 + 9500, 1, 131000, "oops");
    memset(&expected, 0, sizeof expected);
    for (int i = 0; i < 6; i++)
        analytics_state_merge(&expected, &events[i]);
    assert_int_equal(expected.accepted_ms, T0);
    assert_int_equal(expected.sent_ms, T0 + 1000);
    assert_int_equal(expected.delivered_ms, T0 + 2000);
    assert_int_equal(expected.read_ms, T0 + 9000);
    assert_int_equal(expected.failed_ms, T0 + 9500);
    struct analytics_state empty;
    memset(&empty, 0, sizeof empty);
    permutations = 0;
    permute(&empty, 0, 6);
    assert_int_equal(permutations, 720);
}

static void test_merge_idempotent(void **state)
{
    (void)state;
    struct analytics_state s = ev(ANALYTICS_EV_READ, T0, 1, 0, NULL);
    struct analytics_state copy = s;
    analytics_state_merge(&s, &copy);
    assert_true(analytics_state_equal(&s, &copy));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_read_implies_lower_steps),
        cmocka_unit_test(test_failed_is_separate),
        cmocka_unit_test(test_late_lower_step_changes_nothing),
        cmocka_unit_test(test_earlier_step_time_wins),
        cmocka_unit_test(test_failed_after_sent_is_failed),
        cmocka_unit_test(test_failure_tie_break),
        cmocka_unit_test(test_any_order_same_state),
        cmocka_unit_test(test_merge_idempotent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
