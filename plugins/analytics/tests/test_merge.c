/*
 * test_merge.c - per-recipient merge inside a batch: one entry per recipient, the lattice
 * merge, the same failure and wamid/phone choice as the SQL fold, owned strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analytics_merge.h"

#define T0 1764100000000LL

static struct analytics_event ev(analytics_event_type t, int64_t c, int64_t r, int64_t ts,
                                 const char *wamid, int32_t code, const char *title)
{
    struct analytics_event e;
    memset(&e, 0, sizeof e);
    e.type = t;
    e.campaign_id = c;
    e.recipient_id = r;
    e.ts_ms = ts;
    snprintf(e.wamid, sizeof e.wamid, "%s", wamid ? wamid : "");
    e.error_code = code;
    snprintf(e.error_title, sizeof e.error_title, "%s", title ? title : "");
    return e;
}

static void test_one_entry_per_recipient(void **state)
{
    (void)state;
    struct analytics_merge m;
    analytics_merge_init(&m);
    struct analytics_event a = ev(ANALYTICS_EV_ACCEPTED, 1, 1, T0, "wb", 0, NULL);
    struct analytics_event d = ev(ANALYTICS_EV_DELIVERED, 1, 1, T0 + 2000, "wa", 0, NULL);
    struct analytics_event other = ev(ANALYTICS_EV_SENT, 2, 1, T0, NULL, 0, NULL);
    assert_int_equal(analytics_merge_add(&m, &d), 0);
    assert_int_equal(analytics_merge_add(&m, &other), 0);
    assert_int_equal(analytics_merge_add(&m, &a), 0);
    assert_int_equal(analytics_merge_add(&m, &d), 0);
    assert_int_equal(m.n, 2);
    const struct analytics_merge_entry *e = &m.entries[0];
    assert_int_equal(e->campaign_id, 1);
    assert_int_equal(e->state.accepted_ms, T0);
    assert_int_equal(e->state.sent_ms, T0 + 2000);
    assert_int_equal(e->state.delivered_ms, T0 + 2000);
    assert_string_equal(e->wamid, "wa"); /* min(), like the SQL fold */
    assert_null(m.entries[1].wamid);
    analytics_merge_free(&m);
}

static void test_failure_title_is_owned_and_earliest_wins(void **state)
{
    (void)state;
    struct analytics_merge m;
    analytics_merge_init(&m);
    struct analytics_event late = ev(ANALYTICS_EV_FAILED, 1, 1, T0 + 9, "w", 131026, "late");
    struct analytics_event early = ev(ANALYTICS_EV_FAILED, 1, 1, T0 + 1, "w", 131050, "early");
    assert_int_equal(analytics_merge_add(&m, &late), 0);
    memset(late.error_title, 'x', 8); /* the caller's buffer is reused: we must own a copy */
    assert_string_equal(m.entries[0].state.error_title, "late");
    assert_int_equal(analytics_merge_add(&m, &early), 0);
    assert_int_equal(m.entries[0].state.failed_ms, T0 + 1);
    assert_int_equal(m.entries[0].state.error_code, 131050);
    assert_string_equal(m.entries[0].state.error_title, "early");
    assert_ptr_equal(m.entries[0].state.error_title, m.entries[0].title);
    analytics_merge_free(&m);
}

static void test_many_recipients_and_reset(void **state)
{
    (void)state;
    struct analytics_merge m;
    analytics_merge_init(&m);
    for (int round = 0; round < 2; round++) {
        for (int64_t r = 1; r <= 5000; r++) {
            struct analytics_event s = ev(ANALYTICS_EV_SENT, 9, r, T0 + r, "w", 0, NULL);
            assert_int_equal(analytics_merge_add(&m, &s), 0);
            assert_int_equal(analytics_merge_add(&m, &s), 0);
        }
        assert_int_equal(m.n, 5000);
        assert_int_equal(m.entries[4999].recipient_id, 5000);
        assert_int_equal(m.entries[4999].state.sent_ms, T0 + 5000);
        analytics_merge_reset(&m);
        assert_int_equal(m.n, 0);
    }
    analytics_merge_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_entry_per_recipient),
        cmocka_unit_test(test_failure_title_is_owned_and_earliest_wins),
        cmocka_unit_test(test_many_recipients_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
