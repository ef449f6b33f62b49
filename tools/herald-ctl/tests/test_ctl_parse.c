/*
 * test_ctl_parse.c - strict ids, positive numbers and the schedule time forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "ctl_parse.h"

static void test_ids(void **state)
{
    long long v;
    assert_int_equal(ctl_parse_id("42", &v), 0);
    assert_int_equal(v, 42);
    const char *bad[] = {"", "0", "-1", "+4", " 4", "4x", "4.0", "99999999999999999999", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(ctl_parse_id(bad[i], &v), -1);
    assert_int_equal(ctl_parse_id(NULL, &v), -1);
}

static void test_positive(void **state)
{
    double v;
    assert_int_equal(ctl_parse_positive("2.5", &v), 0);
    assert_true(v == 2.5);
    const char *bad[] = {"0", "-1", "abc", "1s", "", "nan", "inf", " 1", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(ctl_parse_positive(bad[i], &v), -1);
}

static void expect_time(const char *in, time_t now, const char *out)
{
    char buf[32];
    assert_int_equal(ctl_parse_time(in, now, buf, sizeof(buf)), 0);
    assert_string_equal(buf, out);
}

static void test_times(void **state)
{
    time_t now = 1764100800; /* 2025-11-25T20:00:00Z */
    expect_time("2026-11-25T20:00:00Z", now, "2026-11-25T20:00:00Z");
    expect_time("2026-11-25T21:30:00+01:00", now, "2026-11-25T20:30:00Z");
    expect_time("2026-11-25T18:00:00-0230", now, "2026-11-25T20:30:00Z");
    expect_time("2026-11-25 20:05", now, "2026-11-25T20:05:00Z");
    expect_time("2026-12-31T23:59", now, "2026-12-31T23:59:00Z");
    expect_time("now", now, "2025-11-25T20:00:00Z");
    expect_time("+90s", now, "2025-11-25T20:01:30Z");
    expect_time("+15m", now, "2025-11-25T20:15:00Z");
    expect_time("+2h", now, "2025-11-25T22:00:00Z");
    expect_time("+1d", now, "2025-11-26T20:00:00Z");
}

static void test_bad_times(void **state)
{
    char buf[32];
    const char *bad[] = {"tomorrow",
                         "",
                         "+",
                         "+5",
                         "+5y",
                         "+-5m",
                         "+5mm",
                         "2026-02-30T10:00:00Z",
                         "2026-11-25T20:00:00 Z",
                         "2026-11-25T20:00:00+25:00",
                         "2026-11-25",
                         "2026-11-25T25:00:00Z",
                         "+9999d",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        if (ctl_parse_time(bad[i], 0, buf, sizeof(buf)) != -1)
            fail_msg("accepted '%s' as %s", bad[i], buf);
    }
    assert_int_equal(ctl_parse_time("now", 0, buf, 10), -1); /* buffer too small */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_positive),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_bad_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
