/*
 * test_event.c - delivery events: every well-formed variant parses, anything else is refused
 * with a reason (never left for SQL to choke on).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analytics_event.h"

static struct analytics_event ev;
static char err[256];

static int parse(const char *json)
{
    err[0] = '\0';
    return analytics_event_parse(json, strlen(json), 1764100009999LL, &ev, err, sizeof err);
}

static void test_dispatcher_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"event_id\":\"d-42-17-accepted\",\"type\":\"accepted\","
                           "\"campaign_id\":42,\"recipient_id\":17,\"phone\":\"4915112345678\","
                           "\"wamid\":\"wamid.HBg\",\"ts_ms\":1764100000123,\"attempts\":1}"),
                     0);
    assert_int_equal(ev.type, ANALYTICS_EV_ACCEPTED);
    assert_int_equal(ev.campaign_id, 42);
    assert_int_equal(ev.recipient_id, 17);
    assert_string_equal(ev.wamid, "wamid.HBg");
    assert_string_equal(ev.phone, "4915112345678");
    assert_int_equal(ev.ts_ms, 1764100000123LL);
}

static void test_webhook_failed_with_error(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"type\":\"failed\",\"campaign_id\":\"42\",\"recipient_id\":\"17\","
                           "\"wamid\":\"w\",\"ts_ms\":1764100001000,"
                           "\"error\":{\"code\":131026,\"title\":\"Message undeliverable\"}}"),
                     0);
    assert_int_equal(ev.campaign_id, 42); /* decimal strings are accepted */
    assert_int_equal(ev.error_code, 131026);
    assert_string_equal(ev.error_title, "Message undeliverable");
    struct analytics_state s;
    analytics_event_state(&ev, &s);
    assert_int_equal(s.failed_ms, 1764100001000LL);
    assert_int_equal(s.accepted_ms, 1764100001000LL);
}

static void test_wamid_only(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"type\":\"read\",\"campaign_id\":null,\"recipient_id\":null,"
                           "\"wamid\":\"wamid.only\",\"ts_ms\":1764100001000}"),
                     0);
    assert_int_equal(ev.campaign_id, 0);
    assert_int_equal(ev.recipient_id, 0);
    assert_string_equal(ev.wamid, "wamid.only");
}

static void test_recipient_without_campaign_is_dropped(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"type\":\"sent\",\"recipient_id\":5,\"wamid\":\"w\","
                           "\"ts_ms\":1764100001000}"),
                     0);
    assert_int_equal(ev.recipient_id, 0);
}

static void test_needs_ids_or_wamid(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"type\":\"sent\",\"campaign_id\":1,\"ts_ms\":1764100001000}"), -1);
    assert_non_null(strstr(err, "wamid"));
}

static void test_missing_ts_uses_kafka_time(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"type\":\"sent\",\"campaign_id\":1,\"recipient_id\":2}"), 0);
    assert_int_equal(ev.ts_ms, 1764100009999LL);
}

static void test_refusals(void **state)
{
    (void)state;
    assert_int_equal(parse("not json"), -1);
    assert_non_null(strstr(err, "invalid JSON"));
    assert_int_equal(parse("[1]"), -1);
    assert_int_equal(parse("{\"type\":\"deleted\",\"campaign_id\":1,\"recipient_id\":2}"), -1);
    assert_non_null(strstr(err, "type"));
    assert_int_equal(parse("{\"type\":\"sent\",\"campaign_id\":-1,\"recipient_id\":2}"), -1);
    assert_int_equal(parse("{\"type\":\"sent\",\"campaign_id\":1.5,\"recipient_id\":2}"), -1);
    assert_int_equal(parse("{\"type\":\"sent\",\"campaign_id\":\"1x\",\"recipient_id\":2}"), -1);
    assert_int_equal(parse("{\"type\":\"sent\",\"campaign_id\":1,\"recipient_id\":2,"
                           "\"ts_ms\":17641000010000000}"),
                     -1);
    assert_non_null(strstr(err, "ts_ms"));
    assert_int_equal(parse("{\"type\":\"sent\",\"campaign_id\":1,\"recipient_id\":2,"
                           "\"ts_ms\":\"1764100001000\"}"),
                     -1);
    assert_int_equal(parse("{\"type\":\"failed\",\"campaign_id\":1,\"recipient_id\":2,"
                           "\"error\":{\"code\":99999999999}}"),
                     -1);
    assert_int_equal(parse("{\"type\":\"sent\",\"campaign_id\":1,\"recipient_id\":2,"
                           "\"phone\":\"123456789012345678901234567890123\"}"),
                     -1);
    assert_int_equal(parse("{\"type\":\"sent\",\"type\":\"read\",\"campaign_id\":1,"
                           "\"recipient_id\":2}"),
                     -1); /* duplicate keys are ambiguous */
}

static void test_long_title_cut_on_character(void **state)
{
    (void)state;
    char json[2048];
    char title[1200];
    size_t n = 0;
    while (n + 2 < sizeof title - 1) {
        title[n++] = (char)0xC3; /* U+00E9 as two bytes */
        title[n++] = (char)0xA9;
    }
    title[n] = '\0';
    snprintf(json, sizeof json,
             "{\"type\":\"failed\",\"campaign_id\":1,\"recipient_id\":2,\"error\":{\"code\":1,"
             "\"title\":\"%s\"}}",
             title);
    assert_int_equal(parse(json), 0);
    size_t len = strlen(ev.error_title);
    assert_true(len < ANALYTICS_TITLE_MAX);
    assert_int_equal(len % 2, 0); /* never half a character */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatcher_accepted),
        cmocka_unit_test(test_webhook_failed_with_error),
        cmocka_unit_test(test_wamid_only),
        cmocka_unit_test(test_recipient_without_campaign_is_dropped),
        cmocka_unit_test(test_needs_ids_or_wamid),
        cmocka_unit_test(test_missing_ts_uses_kafka_time),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_long_title_cut_on_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
