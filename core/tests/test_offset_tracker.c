/*
 * test_offset_tracker.c - the commit position of a partition never passes an incomplete
 * message, advances as soon as the lowest pending one completes, and survives resets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "offset_tracker.h"

static void test_in_order_completion(void **state)
{
    struct offset_tracker t;
    offset_tracker_init(&t);
    int64_t off = -1;
    assert_int_equal(offset_tracker_take(&t, &off), 0);
    for (int64_t o = 10; o < 13; o++)
        assert_int_equal(offset_tracker_add(&t, o), 0);
    assert_int_equal(offset_tracker_complete(&t, 10), 0);
    assert_int_equal(offset_tracker_take(&t, &off), 1);
    assert_int_equal(off, 11);
    assert_int_equal(offset_tracker_take(&t, &off), 0); /* unchanged: nothing new to store */
    assert_int_equal(offset_tracker_complete(&t, 11), 0);
    assert_int_equal(offset_tracker_complete(&t, 12), 0);
    assert_int_equal(offset_tracker_take(&t, &off), 1);
    assert_int_equal(off, 13);
    assert_int_equal(offset_tracker_pending(&t), 0);
    offset_tracker_free(&t);
}

static void test_out_of_order_waits_for_lowest(void **state)
{
    struct offset_tracker t;
    offset_tracker_init(&t);
    int64_t off;
    for (int64_t o = 0; o < 5; o++)
        offset_tracker_add(&t, o);
    assert_int_equal(offset_tracker_complete(&t, 3), 0);
    assert_int_equal(offset_tracker_complete(&t, 1), 0);
    assert_int_equal(offset_tracker_take(&t, &off), 0); /* 0 still pending */
    assert_int_equal(offset_tracker_pending(&t), 3);
    assert_int_equal(offset_tracker_complete(&t, 0), 0);
    assert_int_equal(offset_tracker_take(&t, &off), 1);
    assert_int_equal(off, 2); /* 2 is the lowest incomplete */
    assert_int_equal(offset_tracker_complete(&t, 4), 0);
    assert_int_equal(offset_tracker_take(&t, &off), 0);
    assert_int_equal(offset_tracker_complete(&t, 2), 0);
    assert_int_equal(offset_tracker_take(&t, &off), 1);
    assert_int_equal(off, 5);
    offset_tracker_free(&t);
}

static void test_gaps_in_offsets(void **state)
{
    /* compacted topics and transaction markers leave holes: store one past the last done */
    struct offset_tracker t;
    offset_tracker_init(&t);
    int64_t off;
    offset_tracker_add(&t, 100);
    offset_tracker_add(&t, 105);
    offset_tracker_complete(&t, 105);
    assert_int_equal(offset_tracker_take(&t, &off), 0);
    offset_tracker_complete(&t, 100);
    assert_int_equal(offset_tracker_take(&t, &off), 1);
    assert_int_equal(off, 106);
    offset_tracker_free(&t);
}

static void test_rejects_bad_input(void **state)
{
    struct offset_tracker t;
    offset_tracker_init(&t);
    offset_tracker_add(&t, 7);
    assert_int_equal(offset_tracker_add(&t, 7), OFFSET_TRACKER_SEEN); /* again */
    assert_int_equal(offset_tracker_add(&t, 3), OFFSET_TRACKER_SEEN); /* backwards */
    assert_int_equal(offset_tracker_complete(&t, 8), -1);             /* unknown */
    assert_int_equal(offset_tracker_complete(&t, 7), 0);
    assert_int_equal(offset_tracker_complete(&t, 7), -1);             /* twice */
    assert_int_equal(offset_tracker_add(&t, 5), OFFSET_TRACKER_SEEN); /* below storable */
    offset_tracker_free(&t);
}

static void test_reset_forgets_everything(void **state)
{
    struct offset_tracker t;
    offset_tracker_init(&t);
    int64_t off;
    offset_tracker_add(&t, 50);
    offset_tracker_complete(&t, 50);
    offset_tracker_reset(&t);
    assert_int_equal(offset_tracker_take(&t, &off), 0);
    assert_int_equal(offset_tracker_add(&t, 20), 0); /* reassigned from an older commit */
    assert_int_equal(offset_tracker_complete(&t, 20), 0);
    assert_int_equal(offset_tracker_take(&t, &off), 1);
    assert_int_equal(off, 21);
    offset_tracker_free(&t);
}

static void test_many_messages_reverse_completion(void **state)
{
    struct offset_tracker t;
    offset_tracker_init(&t);
    int64_t off;
    const int n = 10000;
    for (int64_t o = 0; o < n; o++)
        assert_int_equal(offset_tracker_add(&t, o), 0);
    for (int64_t o = n - 1; o >= 1; o--) {
        assert_int_equal(offset_tracker_complete(&t, o), 0);
        assert_int_equal(offset_tracker_take(&t, &off), 0);
    }
    assert_int_equal(offset_tracker_complete(&t, 0), 0);
    assert_int_equal(offset_tracker_take(&t, &off), 1);
    assert_int_equal(off, n);
    /* interleaved add/complete exercises compaction */
    for (int64_t o = n; o < 3 * n; o++) {
        offset_tracker_add(&t, o);
        if (o % 2)
            offset_tracker_complete(&t, o - 1), offset_tracker_complete(&t, o);
    }
    assert_int_equal(offset_tracker_take(&t, &off), 1);
    assert_int_equal(off, 3 * n);
    offset_tracker_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_completion),
        cmocka_unit_test(test_out_of_order_waits_for_lowest),
        cmocka_unit_test(test_gaps_in_offsets),
        cmocka_unit_test(test_rejects_bad_input),
        cmocka_unit_test(test_reset_forgets_everything),
        cmocka_unit_test(test_many_messages_reverse_completion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
