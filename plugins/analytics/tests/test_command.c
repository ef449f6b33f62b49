/*
 * test_command.c - analytics handles `recalculate` and ignores every other command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analytics_command.h"

static struct analytics_command cmd;
static char err[256];

static analytics_command_kind parse(const char *json)
{
    err[0] = '\0';
    return analytics_command_parse(json, strlen(json), &cmd, err, sizeof err);
}

static void test_recalculate(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"command_id\":\"c-1\",\"type\":\"recalculate\",\"campaign_id\":42}"),
                     ANALYTICS_CMD_RECALCULATE);
    assert_string_equal(cmd.command_id, "c-1");
    assert_int_equal(cmd.campaign_id, 42);
}

static void test_bad_campaign_still_recorded(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"command_id\":\"c-2\",\"type\":\"recalculate\"}"),
                     ANALYTICS_CMD_RECALCULATE);
    assert_int_equal(cmd.campaign_id, 0);
    assert_int_equal(
        parse("{\"command_id\":\"c-2\",\"type\":\"recalculate\",\"campaign_id\":\"x\"}"),
        ANALYTICS_CMD_RECALCULATE);
    assert_int_equal(cmd.campaign_id, 0);
}

static void test_malformed_recalculate(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"type\":\"recalculate\",\"campaign_id\":42}"),
                     ANALYTICS_CMD_MALFORMED);
    assert_non_null(strstr(err, "command_id"));
}

static void test_others_ignored(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"command_id\":\"c\",\"type\":\"start\",\"campaign_id\":42}"),
                     ANALYTICS_CMD_IGNORE);
    assert_int_equal(parse("{\"command_id\":\"c\",\"campaign_id\":42}"), ANALYTICS_CMD_IGNORE);
    assert_int_equal(parse("garbage"), ANALYTICS_CMD_IGNORE);
    assert_int_equal(parse("\"recalculate\""), ANALYTICS_CMD_IGNORE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recalculate),
        cmocka_unit_test(test_bad_campaign_still_recorded),
        cmocka_unit_test(test_malformed_recalculate),
        cmocka_unit_test(test_others_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
