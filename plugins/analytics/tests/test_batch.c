/*
 * test_batch.c - a mixed Kafka batch becomes the exact staging rows and verdicts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analytics_batch.h"

static struct analytics_batch b;
static char err[256];

static analytics_verdict add(const char *topic, const char *json)
{
    err[0] = '\0';
    return analytics_batch_add(&b, topic, json, strlen(json), 1764100009999LL, 3, 77, err,
                               sizeof err);
}

static void assert_rows(const struct analytics_copybuf *c, const char *want)
{
    assert_int_equal(c->text.len, strlen(want));
    assert_memory_equal(c->text.data, want, c->text.len);
}

static void test_events_become_lattice_rows(void **state)
{
    (void)state;
    analytics_batch_init(&b);
    assert_int_equal(add("delivery-events", "{\"type\":\"read\",\"campaign_id\":42,"
                                            "\"recipient_id\":17,\"wamid\":\"w\","
                                            "\"ts_ms\":1764100000000}"),
                     ANALYTICS_V_FOLD);
    assert_int_equal(add("delivery-events", "{\"type\":\"failed\",\"campaign_id\":42,"
                                            "\"recipient_id\":18,\"phone\":\"4915100000018\","
                                            "\"ts_ms\":1764100000001,\"error\":{\"code\":131026,"
                                            "\"title\":\"tab\\there\"}}"),
                     ANALYTICS_V_FOLD);
    assert_int_equal(add("delivery-events", "{\"type\":\"sent\",\"wamid\":\"only\","
                                            "\"ts_ms\":1764100000002}"),
                     ANALYTICS_V_FOLD);
    /* wamid-only rows are written at once; keyed ones when the batch is sealed */
    assert_int_equal(b.events.rows, 1);
    analytics_batch_seal(&b);
    assert_rows(&b.events,
                "\\N\t\\N\tonly\t\\N\t1764100000002\t1764100000002\t\\N\t\\N\t\\N\t\\N\t\\N"
                "\t\\N\n"
                "42\t17\tw\t\\N\t1764100000000\t1764100000000\t1764100000000\t1764100000000"
                "\t\\N\t\\N\t\\N\t\\N\n"
                "42\t18\t\\N\t4915100000018\t\\N\t\\N\t\\N\t\\N\t1764100000001\t131026"
                "\ttab\\there\t\\N\n");
    assert_int_equal(b.events.rows, 3);
    analytics_batch_seal(&b); /* idempotent */
    assert_int_equal(b.events.rows, 3);
    analytics_batch_free(&b);
}

static void test_same_recipient_becomes_one_row(void **state)
{
    (void)state;
    analytics_batch_init(&b);
    const char *sent = "{\"type\":\"sent\",\"campaign_id\":7,\"recipient_id\":1,"
                       "\"wamid\":\"w1\",\"ts_ms\":1764100001000}";
    assert_int_equal(add("delivery-events", sent), ANALYTICS_V_FOLD);
    assert_int_equal(add("delivery-events", "{\"type\":\"read\",\"campaign_id\":7,"
                                            "\"recipient_id\":1,\"ts_ms\":1764100009000}"),
                     ANALYTICS_V_FOLD);
    assert_int_equal(add("delivery-events", sent), ANALYTICS_V_FOLD); /* duplicate */
    assert_int_equal(add("delivery-events", "{\"type\":\"accepted\",\"campaign_id\":7,"
                                            "\"recipient_id\":1,\"phone\":\"4915\","
                                            "\"ts_ms\":1764100000000}"),
                     ANALYTICS_V_FOLD);
    analytics_batch_seal(&b);
    assert_rows(&b.events, "7\t1\tw1\t4915\t1764100000000\t1764100001000\t1764100009000"
                           "\t1764100009000\t\\N\t\\N\t\\N\t\\N\n");
    analytics_batch_free(&b);
}

static void test_replies_rows(void **state)
{
    (void)state;
    analytics_batch_init(&b);
    assert_int_equal(add("replies", "{\"wamid\":\"in\",\"from\":\"4915\",\"ts_ms\":1764100005000,"
                                    "\"type\":\"text\",\"text\":\"a\\nb\",\"context_id\":null}"),
                     ANALYTICS_V_FOLD);
    assert_rows(&b.replies, "in\t4915\t1764100005000\ttext\ta\\nb\t\\N\t\\N\t\\N\n");
    analytics_batch_free(&b);
}

/* The batch classifies each reply with the keywords it borrows; without them, none is one. */
static void test_replies_carry_their_opt_keyword(void **state)
{
    (void)state;
    struct analytics_opt_keywords k;
    char why[128];
    assert_int_equal(analytics_opt_keywords_parse(&k, "STOP", "START", why, sizeof why), 0);
    analytics_batch_init(&b);
    b.keywords = &k;
    add("replies",
        "{\"wamid\":\"a\",\"from\":\"4915\",\"ts_ms\":1764100000001,\"text\":\" stop \"}");
    add("replies",
        "{\"wamid\":\"b\",\"from\":\"4916\",\"ts_ms\":1764100000002,\"text\":\"Start\"}");
    add("replies",
        "{\"wamid\":\"c\",\"from\":\"4917\",\"ts_ms\":1764100000003,\"text\":\"stop it\"}");
    add("replies",
        "{\"wamid\":\"d\",\"from\":\"4918\",\"ts_ms\":1764100000004,\"type\":\"image\"}");
    assert_rows(&b.replies, "a\t4915\t1764100000001\t\\N\t stop \t\\N\t\\N\tout\n"
                            "b\t4916\t1764100000002\t\\N\tStart\t\\N\t\\N\tin\n"
                            "c\t4917\t1764100000003\t\\N\tstop it\t\\N\t\\N\t\\N\n"
                            "d\t4918\t1764100000004\timage\t\\N\t\\N\t\\N\t\\N\n");
    analytics_batch_reset(&b);
    b.keywords = NULL;
    add("replies", "{\"wamid\":\"a\",\"from\":\"4915\",\"ts_ms\":1764100000001,\"text\":\"STOP\"}");
    assert_rows(&b.replies, "a\t4915\t1764100000001\t\\N\tSTOP\t\\N\t\\N\t\\N\n");
    analytics_batch_free(&b);
    analytics_opt_keywords_free(&k);
}

static void test_commands_and_verdicts(void **state)
{
    (void)state;
    analytics_batch_init(&b);
    assert_int_equal(add("campaign-commands", "{\"command_id\":\"c1\",\"type\":\"start\","
                                              "\"campaign_id\":1}"),
                     ANALYTICS_V_IGNORE);
    assert_true(analytics_batch_empty(&b));
    assert_int_equal(add("campaign-commands", "{\"command_id\":\"c2\",\"type\":\"recalculate\","
                                              "\"campaign_id\":9}"),
                     ANALYTICS_V_RECALC);
    assert_int_equal(b.ncommands, 1);
    assert_string_equal(b.commands[0].cmd.command_id, "c2");
    assert_int_equal(b.commands[0].cmd.campaign_id, 9);
    assert_int_equal(b.commands[0].partition, 3);
    assert_int_equal(b.commands[0].offset, 77);
    assert_non_null(strstr(b.commands[0].payload, "recalculate"));
    assert_int_equal(add("campaign-commands", "{\"type\":\"recalculate\"}"), ANALYTICS_V_ERROR);
    assert_int_equal(add("delivery-events", "{}"), ANALYTICS_V_ERROR);
    assert_true(err[0] != '\0');
    assert_int_equal(add("jobs", "{}"), ANALYTICS_V_ERROR);
    assert_non_null(strstr(err, "jobs"));
    assert_false(analytics_batch_empty(&b));
    analytics_batch_reset(&b);
    assert_true(analytics_batch_empty(&b));
    analytics_batch_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_become_lattice_rows),
        cmocka_unit_test(test_same_recipient_becomes_one_row),
        cmocka_unit_test(test_replies_rows),
        cmocka_unit_test(test_replies_carry_their_opt_keyword),
        cmocka_unit_test(test_commands_and_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
