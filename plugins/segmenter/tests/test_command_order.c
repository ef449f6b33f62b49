/*
 * test_command_order.c - a campaign's commands keep their order across retries
 * (command_order.c): later commands of the same key are parked behind the one waiting for a
 * retry and come back in order; other keys are not held; release gives parked ones up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "command_order.h"

static struct herald_message msg(int32_t partition, int64_t offset, const char *key)
{
    struct herald_message m = {.topic = "campaign-commands",
                               .partition = partition,
                               .offset = offset,
                               .key = key,
                               .key_len = key ? strlen(key) : 0,
                               .attempt = 1};
    return m;
}

static void later_commands_of_a_retried_key_wait_and_come_back_in_order(void **state)
{
    (void)state;
    struct command_order *o = command_order_new();
    struct herald_message create = msg(0, 10, "7"), start = msg(0, 11, "7"),
                          other = msg(0, 12, "8"), pause = msg(0, 13, "7");
    assert_int_equal(command_order_admit(o, &create), 1);
    assert_null(command_order_settled(o, &create, 1));   /* database away: retry */
    assert_int_equal(command_order_admit(o, &start), 0); /* parked behind create */
    assert_int_equal(command_order_admit(o, &other), 1); /* another campaign runs */
    assert_null(command_order_settled(o, &other, 0));
    assert_int_equal(command_order_admit(o, &pause), 0);
    assert_int_equal(command_order_parked(o), 2);
    create.attempt = 2; /* handed back by the host, still failing */
    assert_int_equal(command_order_admit(o, &create), 1);
    assert_null(command_order_settled(o, &create, 1));
    create.attempt = 3; /* the database is back */
    assert_int_equal(command_order_admit(o, &create), 1);
    assert_ptr_equal(command_order_settled(o, &create, 0), &start);
    assert_ptr_equal(command_order_settled(o, &start, 0), &pause);
    assert_null(command_order_settled(o, &pause, 0));
    assert_int_equal(command_order_parked(o), 0);
    /* the key is forgotten: a new command runs at once */
    struct herald_message resume = msg(0, 14, "7");
    assert_int_equal(command_order_admit(o, &resume), 1);
    command_order_free(o);
}

static void a_handed_back_command_that_fails_becomes_the_head(void **state)
{
    (void)state;
    struct command_order *o = command_order_new();
    struct herald_message a = msg(1, 1, "k"), b = msg(1, 2, "k"), c = msg(1, 3, "k");
    command_order_admit(o, &a);
    command_order_settled(o, &a, 1);
    assert_int_equal(command_order_admit(o, &b), 0);
    assert_int_equal(command_order_admit(o, &c), 0);
    assert_int_equal(command_order_admit(o, &a), 1);
    assert_ptr_equal(command_order_settled(o, &a, 0), &b);
    assert_null(command_order_settled(o, &b, 1)); /* b fails in turn: c stays parked */
    assert_int_equal(command_order_parked(o), 1);
    assert_int_equal(command_order_admit(o, &b), 1); /* b handed back by the host */
    assert_ptr_equal(command_order_settled(o, &b, 0), &c);
    assert_null(command_order_settled(o, &c, 0));
    command_order_free(o);
}

static void same_key_on_another_partition_or_without_key_is_independent(void **state)
{
    (void)state;
    struct command_order *o = command_order_new();
    struct herald_message a = msg(0, 5, "7"), b = msg(1, 6, "7"), nokey1 = msg(0, 7, NULL),
                          nokey2 = msg(0, 8, NULL);
    command_order_admit(o, &a);
    command_order_settled(o, &a, 1);
    assert_int_equal(command_order_admit(o, &b), 1);
    assert_int_equal(command_order_admit(o, &nokey1), 1);
    command_order_settled(o, &nokey1, 1);
    assert_int_equal(command_order_admit(o, &nokey2), 0);
    command_order_free(o); /* frees parked bookkeeping, never the messages */
}

static int given_back;
static void count_back(void *arg, struct herald_message *m)
{
    (void)arg;
    (void)m;
    given_back++;
}

static void release_gives_up_parked_messages_of_a_partition(void **state)
{
    (void)state;
    struct command_order *o = command_order_new();
    struct herald_message a = msg(0, 1, "x"), a2 = msg(0, 2, "x"), b = msg(3, 1, "y"),
                          b2 = msg(3, 2, "y"), b3 = msg(3, 3, "y");
    command_order_admit(o, &a);
    command_order_settled(o, &a, 1);
    command_order_admit(o, &a2);
    command_order_admit(o, &b);
    command_order_settled(o, &b, 1);
    command_order_admit(o, &b2);
    command_order_admit(o, &b3);
    given_back = 0;
    assert_int_equal(command_order_release(o, "campaign-commands", 3, count_back, NULL), 2);
    assert_int_equal(given_back, 2);
    assert_int_equal(command_order_parked(o), 1);
    assert_int_equal(command_order_admit(o, &b2), 1); /* partition 3 is no longer held */
    assert_int_equal(command_order_release(o, NULL, -1, count_back, NULL), 1);
    assert_int_equal(command_order_parked(o), 0);
    command_order_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(later_commands_of_a_retried_key_wait_and_come_back_in_order),
        cmocka_unit_test(a_handed_back_command_that_fails_becomes_the_head),
        cmocka_unit_test(same_key_on_another_partition_or_without_key_is_independent),
        cmocka_unit_test(release_gives_up_parked_messages_of_a_partition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
