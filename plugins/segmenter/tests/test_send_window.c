/*
 * test_send_window.c - the send_window object: the canonical form, the default zone, and every
 * refusal naming its field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "send_window.h"

static int normalize(const char *text, char *out, char *err)
{
    json_error_t jerr;
    json_t *w = json_loads(text, JSON_DECODE_ANY, &jerr);
    assert_non_null(w);
    err[0] = '\0';
    int rc = send_window_normalize(w, out, SEND_WINDOW_JSON_MAX, err, 200);
    json_decref(w);
    return rc;
}

static void expect_refused(const char *text, const char *fragment)
{
    char out[SEND_WINDOW_JSON_MAX], err[200];
    assert_int_equal(normalize(text, out, err), -1);
    if (!strstr(err, fragment))
        fail_msg("error '%s' lacks '%s'", err, fragment);
}

static void canonical_form_and_default_zone(void **state)
{
    (void)state;
    char out[SEND_WINDOW_JSON_MAX], err[200];
    assert_int_equal(normalize("{\"to\": \"20:00\", \"from\": \"09:30\", \"time_zone\": "
                               "\"Europe/Berlin\"}",
                               out, err),
                     0);
    assert_string_equal(out,
                        "{\"from\":\"09:30\",\"to\":\"20:00\",\"time_zone\":\"Europe/Berlin\"}");
    assert_int_equal(normalize("{\"from\": \"22:00\", \"to\": \"06:00\"}", out, err), 0);
    assert_string_equal(out, "{\"from\":\"22:00\",\"to\":\"06:00\",\"time_zone\":\"UTC\"}");
    assert_int_equal(normalize("{\"from\": \"00:00\", \"to\": \"23:59\", \"time_zone\": "
                               "\"America/Argentina/Buenos_Aires\"}",
                               out, err),
                     0);
}

static void refusals_name_the_field(void **state)
{
    (void)state;
    expect_refused("\"09:00-20:00\"", "send_window: expected {");
    expect_refused("{\"from\": \"9:00\", \"to\": \"20:00\"}", "send_window.from: expected");
    expect_refused("{\"from\": \"09:00\", \"to\": \"24:00\"}", "send_window.to: expected");
    expect_refused("{\"from\": \"09:60\", \"to\": \"20:00\"}", "send_window.from");
    expect_refused("{\"from\": \"09:00\"}", "send_window.to");
    expect_refused("{\"from\": \"09:00\", \"to\": \"09:00\"}", "from and to are equal");
    expect_refused("{\"from\": \"09:00\", \"to\": \"20:00\", \"time_zone\": \"Europe/Ber lin\"}",
                   "send_window.time_zone");
    expect_refused("{\"from\": \"09:00\", \"to\": \"20:00\", \"time_zone\": 1}",
                   "send_window.time_zone");
    expect_refused("{\"from\": \"09:00\", \"to\": \"20:00\", \"days\": [1]}", "unknown key 'days'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_form_and_default_zone),
        cmocka_unit_test(refusals_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
