/*
 * test_reply.c - inbound replies: required fields, optional context, bounded text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analytics_reply.h"

static struct analytics_reply r;
static char err[256];

static int parse(const char *json)
{
    err[0] = '\0';
    return analytics_reply_parse(json, strlen(json), 1764100009999LL, &r, err, sizeof err);
}

static void test_full_reply(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"wamid\":\"wamid.in1\",\"from\":\"4915112345678\","
                           "\"ts_ms\":1764100005000,\"type\":\"text\",\"text\":\"Yes please\","
                           "\"context_id\":\"wamid.HBg\",\"profile_name\":\"Asha\"}"),
                     0);
    assert_string_equal(r.wamid, "wamid.in1");
    assert_string_equal(r.from, "4915112345678");
    assert_int_equal(r.ts_ms, 1764100005000LL);
    assert_string_equal(r.text, "Yes please");
    assert_string_equal(r.context_id, "wamid.HBg");
    assert_string_equal(r.profile_name, "Asha");
}

static void test_no_context(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"wamid\":\"w\",\"from\":\"49151\",\"context_id\":null,"
                           "\"type\":\"image\"}"),
                     0);
    assert_string_equal(r.context_id, "");
    assert_string_equal(r.text, "");
    assert_int_equal(r.ts_ms, 1764100009999LL);
}

static void test_refusals(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"from\":\"49151\"}"), -1);
    assert_non_null(strstr(err, "wamid"));
    assert_int_equal(parse("{\"wamid\":\"w\"}"), -1);
    assert_non_null(strstr(err, "from"));
    assert_int_equal(parse("{\"wamid\":\"w\",\"from\":\"1\",\"context_id\":5}"), -1);
    assert_int_equal(parse("{\"wamid\":\"w\",\"from\":\"1\",\"text\":{}}"), -1);
    assert_int_equal(parse("{\"wamid\":\"w\",\"from\":\"1\",\"ts_ms\":5}"), -1);
    assert_int_equal(parse("{"), -1);
}

static void test_long_text_is_cut(void **state)
{
    (void)state;
    size_t n = 3 * ANALYTICS_REPLY_TEXT_MAX;
    char *json = malloc(n + 100);
    assert_non_null(json);
    int off = snprintf(json, n + 100, "{\"wamid\":\"w\",\"from\":\"1\",\"text\":\"");
    for (size_t i = 0; i < n; i += 3) { /* U+20AC, three bytes */
        json[off++] = (char)0xE2;
        json[off++] = (char)0x82;
        json[off++] = (char)0xAC;
    }
    strcpy(json + off, "\"}");
    assert_int_equal(parse(json), 0);
    assert_int_equal(strlen(r.text) % 3, 0);
    assert_true(strlen(r.text) >= ANALYTICS_REPLY_TEXT_MAX - 3);
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_reply),
        cmocka_unit_test(test_no_context),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_long_text_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
