/*
 * test_webhook_numbers.c - when a (phone number, WABA) pair is passed on again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "webhook_numbers.h"

#define HOUR 3600000

static void a_pair_is_due_once_then_hourly(void **state)
{
    (void)state;
    struct webhook_numbers *w = webhook_numbers_new(8, HOUR);
    assert_non_null(w);
    assert_true(webhook_numbers_due(w, "1098765", "5241", 1000));
    assert_false(webhook_numbers_due(w, "1098765", "5241", 1001));
    assert_false(webhook_numbers_due(w, "1098765", "5241", 1000 + HOUR - 1));
    assert_true(webhook_numbers_due(w, "1098765", "5241", 1000 + HOUR));
    assert_false(webhook_numbers_due(w, "1098765", "5241", 1000 + HOUR + 1));
    /* another number is its own pair */
    assert_true(webhook_numbers_due(w, "2098765", "5241", 1002));
    webhook_numbers_free(w);
}

static void a_number_under_another_waba_is_due_at_once(void **state)
{
    (void)state;
    struct webhook_numbers *w = webhook_numbers_new(8, HOUR);
    assert_true(webhook_numbers_due(w, "1098765", "5241", 1000));
    assert_true(webhook_numbers_due(w, "1098765", "7777", 1001));
    assert_false(webhook_numbers_due(w, "1098765", "7777", 1002));
    assert_true(webhook_numbers_due(w, "1098765", "5241", 1003)); /* and back */
    webhook_numbers_free(w);
}

static void past_capacity_everything_is_forgotten(void **state)
{
    (void)state;
    struct webhook_numbers *w = webhook_numbers_new(2, HOUR);
    assert_true(webhook_numbers_due(w, "1", "a", 1000));
    assert_true(webhook_numbers_due(w, "2", "a", 1000));
    assert_false(webhook_numbers_due(w, "1", "a", 1001));
    assert_true(webhook_numbers_due(w, "3", "a", 1002)); /* full: starts afresh with "3" */
    assert_true(webhook_numbers_due(w, "1", "a", 1003));
    assert_false(webhook_numbers_due(w, "3", "a", 1004));
    webhook_numbers_free(w);
    assert_null(webhook_numbers_new(0, HOUR));
    webhook_numbers_free(NULL);
}

static void a_forgotten_pair_is_due_again(void **state)
{
    (void)state;
    struct webhook_numbers *w = webhook_numbers_new(8, HOUR);
    assert_true(webhook_numbers_due(w, "1098765", "5241", 1000));
    webhook_numbers_forget(w, "1098765", "5241"); /* its produce failed */
    assert_true(webhook_numbers_due(w, "1098765", "5241", 1001));
    assert_false(webhook_numbers_due(w, "1098765", "5241", 1002));
    /* a failure of the old pair does not undo the number's newer WABA */
    assert_true(webhook_numbers_due(w, "1098765", "7777", 1003));
    webhook_numbers_forget(w, "1098765", "5241");
    assert_false(webhook_numbers_due(w, "1098765", "7777", 1004));
    webhook_numbers_forget(w, "unknown", "5241"); /* nothing to forget */
    webhook_numbers_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_pair_is_due_once_then_hourly),
        cmocka_unit_test(a_number_under_another_waba_is_due_at_once),
        cmocka_unit_test(past_capacity_everything_is_forgotten),
        cmocka_unit_test(a_forgotten_pair_is_due_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
