/*
 * test_emission_schedule.c - a running campaign is stepped once per top-up, at the time the
 * measured drain opens a quarter of its window; new campaigns, capped batches and commands
 * step at once; an idle or finished campaign is looked at once a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emission_schedule.h"

#define WINDOW 20000
#define BATCH  20000

static void threshold_is_a_quarter_window_bounded_by_the_batch(void **state)
{
    assert_int_equal(emission_threshold(20000, 20000), 5000);
    assert_int_equal(emission_threshold(20000, 1000), 1000);
    assert_int_equal(emission_threshold(200, 0), 50);
    assert_int_equal(emission_threshold(2, 100), 1);
}

static void a_new_campaign_is_due_at_once(void **state)
{
    struct emission_schedule es;
    emission_schedule_init(&es, 1000);
    assert_int_equal(emission_schedule_due(&es, 7, 0), 1);
    emission_schedule_free(&es);
}

/* A dispatcher drains 2,000 recipients a second out of a full 20,000 window: after the first
 * measurement the next step lands when 5,000 slots are free (2.5 s), not ten times a second. */
static void steps_follow_the_measured_drain(void **state)
{
    struct emission_schedule es;
    emission_schedule_init(&es, 1000);
    int64_t t = 0, th = emission_threshold(WINDOW, BATCH);
    assert_true(emission_schedule_due(&es, 1, t));
    emission_schedule_stepped(&es, 1, t, 0, WINDOW, WINDOW, th, 1); /* filled the window */
    assert_true(emission_schedule_due(&es, 1, t)); /* nothing measured yet: next tick */
    t = 100;
    emission_schedule_stepped(&es, 1, t, WINDOW - 200, 0, WINDOW, th, 1); /* 2/ms drained */
    /* 4,800 more slots at 2 per ms: 2,400 ms, capped at the idle maximum */
    assert_false(emission_schedule_due(&es, 1, t + 999));
    assert_true(emission_schedule_due(&es, 1, t + 1000));
    t = 1100;
    emission_schedule_stepped(&es, 1, t, WINDOW - 2200, 0, WINDOW, th, 1);
    /* 2,800 slots left to open at 2/ms: 1,400 ms -> capped 1,000 again */
    t = 2100;
    emission_schedule_stepped(&es, 1, t, WINDOW - 4200, 0, WINDOW, th, 1);
    assert_false(emission_schedule_due(&es, 1, t + 399)); /* 800 slots at 2/ms: 400 ms */
    assert_true(emission_schedule_due(&es, 1, t + 400));
    emission_schedule_free(&es);
}

static void room_left_after_a_capped_batch_steps_next_tick(void **state)
{
    struct emission_schedule es;
    emission_schedule_init(&es, 1000);
    emission_schedule_stepped(&es, 1, 0, 0, 1000, WINDOW, 1000, 1); /* batch 1000 of 20000 */
    assert_true(emission_schedule_due(&es, 1, 0));
    emission_schedule_free(&es);
}

static void nothing_pending_or_nothing_draining_waits_the_idle_maximum(void **state)
{
    struct emission_schedule es;
    emission_schedule_init(&es, 1000);
    int64_t th = emission_threshold(WINDOW, BATCH);
    emission_schedule_stepped(&es, 1, 0, 0, 300, WINDOW, th, 0); /* last 300 recipients */
    assert_false(emission_schedule_due(&es, 1, 999));
    assert_true(emission_schedule_due(&es, 1, 1000));
    /* paused dispatchers: two counts, nothing drained in between, nothing emitted */
    emission_schedule_stepped(&es, 2, 0, 0, WINDOW, WINDOW, th, 1);
    emission_schedule_stepped(&es, 2, 100, WINDOW, 0, WINDOW, th, 1);
    assert_false(emission_schedule_due(&es, 2, 1099));
    assert_true(emission_schedule_due(&es, 2, 1100));
    emission_schedule_free(&es);
}

static void a_command_wakes_every_campaign(void **state)
{
    struct emission_schedule es;
    emission_schedule_init(&es, 1000);
    emission_schedule_stepped(&es, 1, 0, 0, 300, WINDOW, 5000, 0);
    assert_false(emission_schedule_due(&es, 1, 10));
    emission_schedule_wake_all(&es);
    assert_true(emission_schedule_due(&es, 1, 10));
    emission_schedule_free(&es);
}

static void campaigns_no_longer_running_are_forgotten(void **state)
{
    struct emission_schedule es;
    emission_schedule_init(&es, 1000);
    for (int64_t id = 1; id <= 20; id++)
        emission_schedule_stepped(&es, id, 0, 0, 300, WINDOW, 5000, 0);
    emission_schedule_prune(&es); /* all 20 were stepped in this tick */
    assert_int_equal(es.n, 20);
    assert_false(emission_schedule_due(&es, 5, 10)); /* still planned */
    emission_schedule_prune(&es);                    /* only 5 was seen since */
    assert_int_equal(es.n, 1);
    assert_int_equal(es.slots[0].campaign_id, 5);
    emission_schedule_free(&es);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threshold_is_a_quarter_window_bounded_by_the_batch),
        cmocka_unit_test(a_new_campaign_is_due_at_once),
        cmocka_unit_test(steps_follow_the_measured_drain),
        cmocka_unit_test(room_left_after_a_capped_batch_steps_next_tick),
        cmocka_unit_test(nothing_pending_or_nothing_draining_waits_the_idle_maximum),
        cmocka_unit_test(a_command_wakes_every_campaign),
        cmocka_unit_test(campaigns_no_longer_running_are_forgotten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
