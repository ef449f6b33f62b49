/*
 * test_opt_keywords.c - which replies are opt-out / opt-in keywords, and which lists are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analytics_opt_keywords.h"

static struct analytics_opt_keywords k;
static char err[256];

static void parse_ok(const char *out, const char *in)
{
    analytics_opt_keywords_free(&k);
    err[0] = '\0';
    assert_int_equal(analytics_opt_keywords_parse(&k, out, in, err, sizeof err), 0);
}

static void test_whole_reply_matches_without_case_and_outer_space(void **state)
{
    (void)state;
    parse_ok("STOP,Stop promotions", "start");
    assert_int_equal(analytics_opt_classify(&k, "STOP"), ANALYTICS_OPT_OUT);
    assert_int_equal(analytics_opt_classify(&k, "stop"), ANALYTICS_OPT_OUT);
    assert_int_equal(analytics_opt_classify(&k, "  Stop\n"), ANALYTICS_OPT_OUT);
    assert_int_equal(analytics_opt_classify(&k, "stop   PROMOTIONS"), ANALYTICS_OPT_OUT);
    assert_int_equal(analytics_opt_classify(&k, "\tstop\r\npromotions "), ANALYTICS_OPT_OUT);
    assert_int_equal(analytics_opt_classify(&k, "START"), ANALYTICS_OPT_IN);
    assert_int_equal(analytics_opt_classify(&k, "Start "), ANALYTICS_OPT_IN);
}

static void test_a_reply_that_only_contains_a_keyword_is_none(void **state)
{
    (void)state;
    parse_ok("STOP", "START");
    assert_int_equal(analytics_opt_classify(&k, "don't stop"), ANALYTICS_OPT_NONE);
    assert_int_equal(analytics_opt_classify(&k, "stop!"), ANALYTICS_OPT_NONE);
    assert_int_equal(analytics_opt_classify(&k, "stops"), ANALYTICS_OPT_NONE);
    assert_int_equal(analytics_opt_classify(&k, "st op"), ANALYTICS_OPT_NONE);
    assert_int_equal(analytics_opt_classify(&k, ""), ANALYTICS_OPT_NONE);
    assert_int_equal(analytics_opt_classify(&k, "   "), ANALYTICS_OPT_NONE);
    assert_int_equal(analytics_opt_classify(&k, NULL), ANALYTICS_OPT_NONE);
    assert_int_equal(analytics_opt_classify(NULL, "STOP"), ANALYTICS_OPT_NONE);
    char longer[5000];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memcpy(longer, "STOP ", 5);
    assert_int_equal(analytics_opt_classify(&k, longer), ANALYTICS_OPT_NONE);
}

/* Letters of every script fold (Unicode's upper-case mapping), whatever the machine's locale:
 * a recipient writes "стоп", "Arrêt" or "ΣΤΟΠ" as they like. */
static void test_keywords_in_any_script_match_without_case(void **state)
{
    (void)state;
    parse_ok("ABMELDEN,\xc3\x84NDERN,\xd1\x81\xd1\x82\xd0\xbe\xd0\xbf,arr\xc3\xaat,"
             "\xce\xa3\xce\xa4\xce\x9f\xce\xa0",
             "\xd1\x81\xd1\x82\xd0\xb0\xd1\x80\xd1\x82");
    assert_int_equal(analytics_opt_classify(&k, "\xc3\x84ndern"), ANALYTICS_OPT_OUT); /* Ändern */
    assert_int_equal(analytics_opt_classify(&k, "\xc3\xa4NDERN"), ANALYTICS_OPT_OUT); /* äNDERN */
    assert_int_equal(analytics_opt_classify(&k, "abmelden"), ANALYTICS_OPT_OUT);
    /* Cyrillic: the list said "стоп", the reply "СТОП" and "Стоп" */
    assert_int_equal(analytics_opt_classify(&k, "\xd0\xa1\xd0\xa2\xd0\x9e\xd0\x9f"),
                     ANALYTICS_OPT_OUT);
    assert_int_equal(analytics_opt_classify(&k, " \xd0\xa1\xd1\x82\xd0\xbe\xd0\xbf\n"),
                     ANALYTICS_OPT_OUT);
    assert_int_equal(analytics_opt_classify(&k, "ARR\xc3\x8aT"), ANALYTICS_OPT_OUT); /* ARRÊT */
    /* Greek: the list said "ΣΤΟΠ", the reply "στοπ" */
    assert_int_equal(analytics_opt_classify(&k, "\xcf\x83\xcf\x84\xce\xbf\xcf\x80"),
                     ANALYTICS_OPT_OUT);
    /* "СТАРТ" against the opt-in "старт" */
    assert_int_equal(analytics_opt_classify(&k, "\xd0\xa1\xd0\xa2\xd0\x90\xd0\xa0\xd0\xa2"),
                     ANALYTICS_OPT_IN);
    /* a different letter is a different word: "ARRET" without the accent is no keyword */
    assert_int_equal(analytics_opt_classify(&k, "ARRET"), ANALYTICS_OPT_NONE);
}

/* Bytes that are not UTF-8 are compared as they are, never decoded into something else. */
static void test_invalid_utf8_matches_byte_for_byte(void **state)
{
    (void)state;
    parse_ok("\xff\xfeSTOP,\xc3", "");
    assert_int_equal(analytics_opt_classify(&k, "\xff\xfestop"), ANALYTICS_OPT_OUT);
    assert_int_equal(analytics_opt_classify(&k, "\xc3"), ANALYTICS_OPT_OUT); /* truncated */
    assert_int_equal(analytics_opt_classify(&k, "\xfe\xffstop"), ANALYTICS_OPT_NONE);
    assert_int_equal(analytics_opt_classify(&k, "\xc3\x83"), ANALYTICS_OPT_NONE);
}

/* A word whose upper case is longer in bytes (U+0250 'ɐ' -> U+2C6F 'Ɐ': 2 -> 3 bytes) still
 * counts against the 64-byte limit of its normalised form. */
static void test_length_limit_is_in_normalised_bytes(void **state)
{
    (void)state;
    char list[128] = "";
    for (int i = 0; i < 21; i++)
        strcat(list, "\xc9\x90"); /* 42 bytes as typed, 63 upper-cased */
    parse_ok(list, "");
    assert_int_equal(analytics_opt_classify(&k, list), ANALYTICS_OPT_OUT);
    strcat(list, "\xc9\x90"); /* 66 upper-cased: too long */
    err[0] = '\0';
    analytics_opt_keywords_free(&k);
    assert_int_equal(analytics_opt_keywords_parse(&k, list, "", err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than 64 bytes"));
}

static void test_lists_skip_empty_entries_and_repeats(void **state)
{
    (void)state;
    parse_ok(" STOP ,, stop,UNSUBSCRIBE,", NULL);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.word[0], "STOP");
    assert_string_equal(k.word[1], "UNSUBSCRIBE");
    parse_ok("", "");
    assert_int_equal(k.n, 0);
    assert_int_equal(analytics_opt_classify(&k, "STOP"), ANALYTICS_OPT_NONE);
    parse_ok(NULL, NULL);
    assert_int_equal(k.n, 0);
}

static void test_bad_lists_are_refused_with_a_reason(void **state)
{
    (void)state;
    analytics_opt_keywords_free(&k);
    assert_int_equal(analytics_opt_keywords_parse(&k, "STOP", "stop", err, sizeof err), -1);
    assert_string_equal(err, "'STOP' is both an opt-out and an opt-in keyword");
    assert_int_equal(k.n, 0);

    char too_long[100];
    memset(too_long, 'A', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    analytics_opt_keywords_free(&k);
    assert_int_equal(analytics_opt_keywords_parse(&k, too_long, "", err, sizeof err), -1);
    assert_non_null(strstr(err, "opt_out_keywords: "));
    assert_non_null(strstr(err, "longer than 64 bytes"));

    char many[400] = "";
    for (int i = 0; i < 33; i++) {
        char w[12];
        snprintf(w, sizeof w, "K%d,", i);
        strcat(many, w);
    }
    analytics_opt_keywords_free(&k);
    assert_int_equal(analytics_opt_keywords_parse(&k, "", many, err, sizeof err), -1);
    assert_string_equal(err, "more than 32 opt-out and opt-in keywords together");
    many[strlen(many) - 4] = '\0'; /* K0..K31: exactly the limit */
    parse_ok("", many);
    assert_int_equal(k.n, 32);
}

static void test_names_are_the_staging_values(void **state)
{
    (void)state;
    assert_string_equal(analytics_opt_name(ANALYTICS_OPT_OUT), "out");
    assert_string_equal(analytics_opt_name(ANALYTICS_OPT_IN), "in");
    assert_null(analytics_opt_name(ANALYTICS_OPT_NONE));
}

static int release(void **state)
{
    (void)state;
    analytics_opt_keywords_free(&k);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_reply_matches_without_case_and_outer_space),
        cmocka_unit_test(test_a_reply_that_only_contains_a_keyword_is_none),
        cmocka_unit_test(test_keywords_in_any_script_match_without_case),
        cmocka_unit_test(test_invalid_utf8_matches_byte_for_byte),
        cmocka_unit_test(test_length_limit_is_in_normalised_bytes),
        cmocka_unit_test(test_lists_skip_empty_entries_and_repeats),
        cmocka_unit_test(test_bad_lists_are_refused_with_a_reason),
        cmocka_unit_test(test_names_are_the_staging_values),
    };
    return cmocka_run_group_tests(tests, NULL, release);
}
