/*
 * test_dispatcher_state.c - the crash policy for unclaimable recipients, the delay queue's
 * order and filtering, PostgreSQL array literals, and the index of held jobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher_claim_policy.h"
#include "dispatcher_delay_queue.h"
#include "dispatcher_index.h"
#include "dispatcher_pg_array.h"

static const struct disp_claim_self self = {"dispatcher-1", "dispatcher-1#100.5", 60000, 0};

static enum disp_claim_decision decide(const char *st, const char *by, int64_t age, int running,
                                       int resend)
{
    struct disp_claim_row row = {1, st, by, age, running, 0, 0};
    struct disp_claim_self s = self;
    s.resend_uncertain = resend;
    return disp_claim_decide(&row, &s);
}

static void finished_rows_reproduce_their_event(void **state)
{
    assert_int_equal(decide("accepted", "x#1.1", 5, 1, 0), DISP_CLAIM_REPRODUCE_ACCEPTED);
    assert_int_equal(decide("accepted", NULL, -1, 0, 1), DISP_CLAIM_REPRODUCE_ACCEPTED);
    assert_int_equal(decide("failed", "x#1.1", 5, 1, 0), DISP_CLAIM_REPRODUCE_FAILED);
}

static void crash_leftover_of_this_stage_is_uncertain(void **state)
{
    /* same stage name, other instance: our previous life; even a fresh claim is dead */
    assert_int_equal(decide("sending", "dispatcher-1#99.1", 10, 1, 0), DISP_CLAIM_MARK_UNCERTAIN);
    assert_int_equal(decide("sending", "dispatcher-1#99.1", 10, 1, 1), DISP_CLAIM_RESEND);
    /* a stage whose name merely starts the same is someone else */
    assert_int_equal(decide("sending", "dispatcher-10#99.1", 10, 1, 0), DISP_CLAIM_WAIT);
}

static void own_claim_not_held_here_is_reclaimed(void **state)
{
    /* a held job's second copy never reaches the policy: our own claim here means its
     * COMMIT's answer was lost and the job was retried without being sent */
    assert_int_equal(decide("sending", "dispatcher-1#100.5", 10, 1, 1), DISP_CLAIM_RECLAIM_OWN);
    assert_int_equal(decide("sending", "dispatcher-1#100.5", 10, 1, 0), DISP_CLAIM_RECLAIM_OWN);
    assert_int_equal(decide("sending", "dispatcher-1#100.5", 10, 0, 0), DISP_CLAIM_RECLAIM_OWN);
}

static void foreign_claims_wait_until_stale(void **state)
{
    assert_int_equal(decide("sending", "dispatcher-2#7.7", 59999, 1, 0), DISP_CLAIM_WAIT);
    assert_int_equal(decide("sending", "dispatcher-2#7.7", 60000, 1, 0), DISP_CLAIM_MARK_UNCERTAIN);
    assert_int_equal(decide("sending", NULL, -1, 1, 0), DISP_CLAIM_MARK_UNCERTAIN);
    assert_int_equal(decide("sending", "dispatcher-2#7.7", 60000, 1, 1), DISP_CLAIM_RESEND);
    /* a stopped campaign never resends: the leftover becomes uncertain at once */
    assert_int_equal(decide("sending", "dispatcher-2#7.7", 10, 0, 1), DISP_CLAIM_MARK_UNCERTAIN);
}

static void uncertain_and_unclaimable_rows(void **state)
{
    assert_int_equal(decide("uncertain", "x", 5, 1, 0), DISP_CLAIM_SKIP);
    assert_int_equal(decide("uncertain", "x", 5, 1, 1), DISP_CLAIM_RESEND);
    assert_int_equal(decide("uncertain", "x", 5, 0, 1), DISP_CLAIM_SKIP);
    assert_int_equal(decide("queued", NULL, -1, 0, 0), DISP_CLAIM_SKIP);
    assert_int_equal(decide("pending", NULL, -1, 0, 0), DISP_CLAIM_SKIP);
    struct disp_claim_row missing = {0, NULL, NULL, -1, 0, 0, 0};
    assert_int_equal(disp_claim_decide(&missing, &self), DISP_CLAIM_NOT_FOUND);
    char id[64];
    disp_claimer_id("dispatcher-1", 4242, 17, id, sizeof(id));
    assert_string_equal(id, "dispatcher-1#4242.17");
    assert_string_equal(disp_claim_decision_name(DISP_CLAIM_WAIT), "wait");
}

/* Outside its send window a running campaign's unsent rows wait (the segmenter emits them
 * again when it opens): skipped, never retried into a claim; rows already settled keep their
 * outcome, and a live instance's claim is still waited for. */
static void rows_wait_while_the_send_window_is_closed(void **state)
{
    (void)state;
    struct disp_claim_row row = {1, "queued", NULL, -1, 1, 0, 1};
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_SKIP);
    row.state = "pending";
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_SKIP);
    row.outside_send_window = 0;
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_RETRY);
    row.outside_send_window = 1;
    row.state = "accepted";
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_REPRODUCE_ACCEPTED);
    row.state = "sending";
    row.claimed_by = "dispatcher-2#1.1";
    row.claim_age_ms = 10;
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_WAIT);
}

/* A contact who opted out after the snapshot: failed, not sent; but only while the campaign
 * runs (a paused one re-emits on resume, and the claim decides then). A pending/queued row of
 * a running campaign whose contact did not opt out was refused by something already gone. */
static void opted_out_contacts_fail_and_refusals_that_passed_retry(void **state)
{
    struct disp_claim_row row = {1, "queued", NULL, -1, 1, 1, 0};
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_OPTED_OUT);
    row.state = "pending";
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_OPTED_OUT);
    row.campaign_running = 0;
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_SKIP);
    row.campaign_running = 1;
    row.contact_opted_out = 0;
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_RETRY);
    /* sent or settled rows keep their outcome whatever the contact did since */
    row.contact_opted_out = 1;
    row.state = "accepted";
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_REPRODUCE_ACCEPTED);
    row.state = "uncertain";
    assert_int_equal(disp_claim_decide(&row, &self), DISP_CLAIM_SKIP);
    /* resend_uncertain does not resend to them */
    struct disp_claim_self resend = self;
    resend.resend_uncertain = 1;
    assert_int_equal(disp_claim_decide(&row, &resend), DISP_CLAIM_SKIP);
    row.state = "sending";
    row.claimed_by = "dispatcher-1#99.1";
    assert_int_equal(disp_claim_decide(&row, &resend), DISP_CLAIM_MARK_UNCERTAIN);
    row.contact_opted_out = 0;
    assert_int_equal(disp_claim_decide(&row, &resend), DISP_CLAIM_RESEND);
    assert_string_equal(disp_claim_decision_name(DISP_CLAIM_OPTED_OUT), "opted_out");
    assert_string_equal(disp_claim_decision_name(DISP_CLAIM_RETRY), "retry");
}

static int keep_odd(void *item, void *arg)
{
    (void)arg;
    return ((intptr_t)item) % 2;
}

static void count_drop(void *item, void *arg)
{
    (void)item;
    (*(int *)arg)++;
}

static void delay_queue_orders_by_due_time(void **state)
{
    struct disp_delay_queue q = {0};
    int64_t due[] = {500, 100, 300, 100, 900, 50, 700, 300};
    for (intptr_t i = 0; i < 8; i++)
        assert_int_equal(disp_delay_push(&q, due[i], (void *)(i + 1)), 0);
    assert_null(disp_delay_pop_due(&q, 49));
    assert_ptr_equal(disp_delay_pop_due(&q, 50), (void *)6);
    assert_ptr_equal(disp_delay_pop_due(&q, 1000), (void *)2); /* FIFO among equal times */
    assert_ptr_equal(disp_delay_pop_due(&q, 1000), (void *)4);
    int dropped = 0;
    disp_delay_filter(&q, keep_odd, count_drop, &dropped);
    assert_int_equal(dropped, 1); /* item 8 (even) gone */
    assert_ptr_equal(disp_delay_pop_due(&q, 1000), (void *)3);
    assert_ptr_equal(disp_delay_pop_due(&q, 1000), (void *)1);
    assert_ptr_equal(disp_delay_pop_due(&q, 1000), (void *)7);
    assert_ptr_equal(disp_delay_pop_due(&q, 1000), (void *)5);
    assert_null(disp_delay_pop_any(&q));
    for (intptr_t i = 0; i < 1000; i++)
        disp_delay_push(&q, 1000 - i, (void *)(i + 1));
    int64_t last = -1;
    for (int i = 0; i < 1000; i++) {
        int64_t d = 1000 - ((intptr_t)disp_delay_pop_any(&q) - 1);
        assert_true(d >= last);
        last = d;
    }
    disp_delay_free(&q);
}

static void array_literals(void **state)
{
    struct text_buffer s = {0};
    disp_array_begin(&s);
    assert_string_equal(disp_array_end(&s), "{}");
    disp_array_begin(&s);
    disp_array_add_int(&s, 1);
    disp_array_add_int(&s, -42);
    disp_array_add_int(&s, 9007199254740993LL);
    assert_string_equal(disp_array_end(&s), "{1,-42,9007199254740993}");
    disp_array_begin(&s);
    disp_array_add_text(&s, "wamid.A=");
    disp_array_add_text(&s, "a\"b\\c,{NULL}");
    disp_array_add_text(&s, NULL);
    assert_string_equal(disp_array_end(&s), "{\"wamid.A=\",\"a\\\"b\\\\c,{NULL}\",NULL}");
    text_buffer_free(&s);
}

/* Many held jobs of two campaigns (recipient ids dense, like a real audience): the buckets grow
 * past the initial 16 and every job is still found under its own ids, never under a neighbour's. */
static void held_index_grows_and_finds_every_job(void **state)
{
    enum { N = 100000 };
    struct disp_index_node *nodes = calloc(N, sizeof(*nodes));
    struct disp_index ix;
    assert_non_null(nodes);
    assert_int_equal(disp_index_init(&ix, 10), 0);
    assert_int_equal(ix.table.n_buckets, 16);
    for (int i = 0; i < N; i++) {
        nodes[i].campaign_id = 1 + i % 2;
        nodes[i].recipient_id = 1 + i / 2;
        disp_index_add(&ix, &nodes[i]);
    }
    assert_int_equal(ix.table.len, N);
    assert_true(ix.table.n_buckets >= N);
    assert_int_equal(ix.table.n_buckets & (ix.table.n_buckets - 1), 0);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(disp_index_find(&ix, 1 + i % 2, 1 + i / 2), &nodes[i]);
    assert_null(disp_index_find(&ix, 3, 1));
    assert_null(disp_index_find(&ix, 1, N / 2 + 1));
    disp_index_free(&ix);
    free(nodes);
}

/* Removal unlinks only that node (one never added here, or removed twice, changes nothing), and
 * take_all hands back each remaining node exactly once and leaves the index empty. */
static void held_index_removes_and_hands_back_each_job_once(void **state)
{
    enum { N = 1000 };
    struct disp_index_node nodes[N], stranger = {.campaign_id = 1, .recipient_id = 6};
    struct disp_index ix, other;
    memset(nodes, 0, sizeof(nodes));
    assert_int_equal(disp_index_init(&ix, 16), 0);
    for (int i = 0; i < N; i++) {
        nodes[i].campaign_id = 1;
        nodes[i].recipient_id = i + 1;
        disp_index_add(&ix, &nodes[i]);
    }
    for (int i = 0; i < N; i += 2)
        disp_index_remove(&ix, &nodes[i]);
    disp_index_remove(&ix, &nodes[0]); /* again */
    /* same ids (and hash) as nodes[5], which is held, but linked in another index */
    assert_int_equal(disp_index_init(&other, 16), 0);
    disp_index_add(&other, &stranger);
    disp_index_remove(&ix, &stranger);
    assert_ptr_equal(disp_index_find(&other, 1, 6), &stranger);
    disp_index_free(&other);
    assert_int_equal(ix.table.len, N / 2);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(disp_index_find(&ix, 1, i + 1), i % 2 ? &nodes[i] : NULL);
    char seen[N] = {0};
    size_t count = 0;
    for (struct disp_index_node *n = disp_index_take_all(&ix); n; n = disp_index_next(n)) {
        int i = (int)(n - nodes);
        assert_true(i >= 0 && i < N && i % 2 == 1);
        assert_int_equal(seen[i], 0);
        seen[i] = 1;
        count++;
    }
    assert_int_equal(count, N / 2);
    assert_int_equal(ix.table.len, 0);
    assert_null(disp_index_find(&ix, 1, 2));
    disp_index_free(&ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finished_rows_reproduce_their_event),
        cmocka_unit_test(crash_leftover_of_this_stage_is_uncertain),
        cmocka_unit_test(own_claim_not_held_here_is_reclaimed),
        cmocka_unit_test(foreign_claims_wait_until_stale),
        cmocka_unit_test(uncertain_and_unclaimable_rows),
        cmocka_unit_test(opted_out_contacts_fail_and_refusals_that_passed_retry),
        cmocka_unit_test(rows_wait_while_the_send_window_is_closed),
        cmocka_unit_test(delay_queue_orders_by_due_time),
        cmocka_unit_test(array_literals),
        cmocka_unit_test(held_index_grows_and_finds_every_job),
        cmocka_unit_test(held_index_removes_and_hands_back_each_job_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
