/*
 * test_campaign_lifecycle.c - the transition table: every (command, status) pair is either a
 * documented move or refused with a reason naming both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "campaign_lifecycle.h"

#define D  CAMPAIGN_DRAFT
#define S  CAMPAIGN_SCHEDULED
#define R  CAMPAIGN_RUNNING
#define P  CAMPAIGN_PAUSED
#define C  CAMPAIGN_COMPLETED
#define X  CAMPAIGN_CANCELLED
#define F  CAMPAIGN_FAILED
#define NO (-1)

/* expected[cmd][from] = target status or NO */
static const int expected[CMD_TYPE_COUNT][CAMPAIGN_STATUS_COUNT] = {
    [CMD_CREATE] = {NO, NO, NO, NO, NO, NO, NO},      [CMD_UPDATE] = {D, S, NO, NO, NO, NO, NO},
    [CMD_SCHEDULE] = {S, S, NO, NO, NO, NO, NO},      [CMD_START] = {R, R, NO, NO, NO, NO, NO},
    [CMD_PAUSE] = {NO, NO, P, NO, NO, NO, NO},        [CMD_RESUME] = {NO, NO, NO, R, NO, NO, NO},
    [CMD_CANCEL] = {X, X, X, X, NO, NO, NO},          [CMD_DUPLICATE] = {D, S, R, P, C, X, F},
    [CMD_RECALCULATE] = {NO, NO, NO, NO, NO, NO, NO},
};

static void test_full_table(void **state)
{
    for (int cmd = 0; cmd < CMD_TYPE_COUNT; cmd++) {
        for (int from = 0; from < CAMPAIGN_STATUS_COUNT; from++) {
            struct lifecycle_step step = {0};
            char err[128] = "";
            int rc = lifecycle_step(cmd, from, &step, err, sizeof(err));
            if (expected[cmd][from] == NO) {
                if (rc != -1)
                    fail_msg("%s from %s should be refused", command_type_name(cmd),
                             campaign_status_name(from));
                assert_true(strlen(err) > 0);
            } else {
                if (rc != 0 || (int)step.to != expected[cmd][from])
                    fail_msg("%s from %s: rc %d to %d (%s)", command_type_name(cmd),
                             campaign_status_name(from), rc, step.to, err);
            }
        }
    }
}

static void test_reason_and_timestamps(void **state)
{
    struct lifecycle_step step;
    char err[128];
    assert_int_equal(lifecycle_step(CMD_RESUME, C, &step, err, sizeof(err)), -1);
    assert_string_equal(err, "cannot resume a completed campaign");
    assert_int_equal(lifecycle_step(CMD_PAUSE, R, &step, err, sizeof(err)), 0);
    assert_string_equal(step.timestamp_column, "paused_at");
    assert_int_equal(lifecycle_step(CMD_RESUME, P, &step, err, sizeof(err)), 0);
    assert_string_equal(step.timestamp_column, "resumed_at");
    assert_int_equal(lifecycle_step(CMD_START, S, &step, err, sizeof(err)), 0);
    assert_string_equal(step.timestamp_column, "started_at");
    assert_int_equal(lifecycle_step(CMD_CANCEL, P, &step, err, sizeof(err)), 0);
    assert_string_equal(step.timestamp_column, "cancelled_at");
    assert_int_equal(lifecycle_step(CMD_UPDATE, D, &step, err, sizeof(err)), 0);
    assert_null(step.timestamp_column);
    assert_int_equal(lifecycle_step(CMD_PAUSE, (enum campaign_status)99, &step, err, sizeof(err)),
                     -1);
}

static void test_names_round_trip(void **state)
{
    for (int i = 0; i < CAMPAIGN_STATUS_COUNT; i++)
        assert_int_equal(campaign_status_parse(campaign_status_name(i)), i);
    for (int i = 0; i < CMD_TYPE_COUNT; i++)
        assert_int_equal(command_type_parse(command_type_name(i)), i);
    assert_int_equal(campaign_status_parse("Running"), -1);
    assert_int_equal(command_type_parse("delete"), -1);
    assert_int_equal(command_type_parse(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_table),
        cmocka_unit_test(test_reason_and_timestamps),
        cmocka_unit_test(test_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
