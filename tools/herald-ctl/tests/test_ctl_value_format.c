/*
 * test_ctl_value_format.c - display form of doubles, rates and timestamps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctl_value_format.h"

static void expect(unsigned oid, const char *name, const char *in, const char *out)
{
    char buf[64];
    ctl_value_format(oid, name, in, buf, sizeof(buf));
    assert_string_equal(buf, out);
}

static void test_numbers(void **state)
{
    expect(CTL_OID_FLOAT8, "rate_per_second", "80.0000000001", "80");
    expect(CTL_OID_FLOAT8, "rate_per_second", "13.256", "13.26");
    expect(CTL_OID_FLOAT8, "p50_seconds_to_read", "0.2449", "0.245");
    expect(CTL_OID_FLOAT8, "eta_seconds", "0", "0");
    expect(CTL_OID_FLOAT8, "eta_seconds", "-2.5", "-2.5");
    expect(CTL_OID_NUMERIC, "x", "1234567.891", "1234567.89");
    expect(CTL_OID_FLOAT8, "x", "NaN", "NaN");
    expect(CTL_OID_FLOAT8, "x", "Infinity", "Infinity");
}

static void test_rates_as_percent(void **state)
{
    expect(CTL_OID_FLOAT8, "delivery_rate", "0.953333333", "95.3%");
    expect(CTL_OID_FLOAT8, "reply_rate", "0", "0.0%");
    expect(CTL_OID_FLOAT8, "read_rate", "1", "100.0%");
    expect(CTL_OID_FLOAT8, "odd_rate", "2.5", "2.5"); /* not a ratio: left as a number */
}

static void test_timestamps_and_others(void **state)
{
    expect(CTL_OID_TIMESTAMPTZ, "started_at", "2026-11-25 20:15:25.212737+00",
           "2026-11-25 20:15:25+00");
    expect(CTL_OID_TIMESTAMPTZ, "started_at", "2026-11-25 20:15:25+00", "2026-11-25 20:15:25+00");
    expect(CTL_OID_TIMESTAMP, "t", "2026-11-25 20:15:25.5", "2026-11-25 20:15:25");
    expect(25 /* text */, "name", "0.953333333", "0.953333333");
    char tiny[4];
    ctl_value_format(CTL_OID_FLOAT8, "x", "123.456", tiny, sizeof(tiny));
    assert_string_equal(tiny, "123");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_rates_as_percent),
        cmocka_unit_test(test_timestamps_and_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
