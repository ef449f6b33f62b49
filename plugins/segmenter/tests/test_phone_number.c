/*
 * test_phone_number.c - phone normalisation: the forms people write, and what is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "phone_number.h"

static void ok(const char *in, const char *want)
{
    char out[PHONE_BUF_SIZE];
    const char *why = "unset";
    if (phone_normalize(in, out, sizeof(out), &why) != 0)
        fail_msg("'%s' refused: %s", in, why);
    assert_string_equal(out, want);
    assert_null(why);
}

static void bad(const char *in, const char *reason)
{
    char out[PHONE_BUF_SIZE];
    const char *why = NULL;
    assert_int_equal(phone_normalize(in, out, sizeof(out), &why), -1);
    assert_string_equal(why, reason);
    assert_string_equal(out, "");
}

static void test_accepted_forms(void **state)
{
    ok("+49 151 1234-5678", "4915112345678");
    ok("4915112345678", "4915112345678");
    ok("0049 (151) 12345678", "4915112345678");
    ok(" +1.415.555.0100 ", "14155550100");
    ok("+44/20/7946/0958", "442079460958");
    ok("12345678", "12345678");
    ok("123456789012345", "123456789012345");
}

static void test_refused_forms(void **state)
{
    bad("0151 12345678", "no country code");
    bad("", "empty");
    bad("+", "empty");
    bad("49151abc", "invalid character");
    bad("+49 +151", "invalid character");
    bad("1234567", "too few digits");
    bad("1234567890123456", "too many digits");
    bad("49151123456789012345678", "too many digits");
    bad("+0049151123456", "no country code");
    bad("49;151", "invalid character");
}

static void test_small_buffer_is_refused(void **state)
{
    char out[8];
    const char *why = NULL;
    assert_int_equal(phone_normalize("4915112345678", out, sizeof(out), &why), -1);
    assert_int_equal(phone_normalize(NULL, out, sizeof(out), &why), -1);
}

/* herald-ctl and the API look phones up by this: the digits when it normalises, else as typed. */
static void test_lookup_form(void **state)
{
    char out[PHONE_BUF_SIZE];
    const char *typed = "+49 151 1234-5678";
    assert_string_equal(phone_lookup_form(typed, out, sizeof(out)), "4915112345678");
    typed = "12ab";
    assert_ptr_equal(phone_lookup_form(typed, out, sizeof(out)), typed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_forms),
        cmocka_unit_test(test_refused_forms),
        cmocka_unit_test(test_small_buffer_is_refused),
        cmocka_unit_test(test_lookup_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
