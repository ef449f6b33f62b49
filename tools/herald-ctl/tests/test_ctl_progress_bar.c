/*
 * test_ctl_progress_bar.c - exact rendering of the live bar and the plain line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "ctl_progress_bar.h"

static struct ctl_progress sample(void)
{
    struct ctl_progress p = {.campaign_id = 42,
                             .status = "running",
                             .audience = 100,
                             .pending = 50,
                             .accepted = 45,
                             .sent = 40,
                             .delivered = 30,
                             .read = 10,
                             .failed = 5,
                             .replied = 2,
                             .rate = 10.0,
                             .eta_seconds = -1};
    return p;
}

static void test_done(void **state)
{
    struct ctl_progress p = sample();
    assert_int_equal(ctl_progress_done(&p), 50);
    p.pending = -1; /* unknown: from outcomes */
    assert_int_equal(ctl_progress_done(&p), 50);
    p.accepted = 500; /* never above the audience */
    assert_int_equal(ctl_progress_done(&p), 100);
    p.audience = 0;
    assert_int_equal(ctl_progress_done(&p), 0);
}

static void test_stacked_bar(void **state)
{
    struct ctl_progress p = sample();
    char buf[64];
    /* 20 cells: read 10% -> 2 '#', delivered 30% -> 4 '=', sent 45% -> 3 '-', failed 5% -> 1 */
    assert_int_equal(ctl_progress_bar(&p, 22, buf, sizeof(buf)), 22);
    assert_string_equal(buf, "[##====---x          ]");
}

static void test_bar_edges(void **state)
{
    char buf[64];
    struct ctl_progress p = {.campaign_id = 1,
                             .status = "completed",
                             .audience = 3,
                             .pending = 0,
                             .accepted = 3,
                             .sent = 3,
                             .delivered = 3,
                             .read = 3,
                             .eta_seconds = -1};
    assert_int_equal(ctl_progress_bar(&p, 12, buf, sizeof(buf)), 12);
    assert_string_equal(buf, "[##########]");
    struct ctl_progress unknown = {
        .campaign_id = 1, .status = "running", .audience = 0, .pending = -1, .eta_seconds = -1};
    assert_int_equal(ctl_progress_bar(&unknown, 6, buf, sizeof(buf)), 6);
    assert_string_equal(buf, "[    ]");
    /* inconsistent inputs (read > delivered, failed beyond the audience) stay in bounds */
    struct ctl_progress odd = {
        .audience = 10, .pending = -1, .accepted = 2, .read = 8, .failed = 50, .eta_seconds = -1};
    assert_int_equal(ctl_progress_bar(&odd, 12, buf, sizeof(buf)), 12);
    assert_string_equal(buf, "[########xx]");
    assert_int_equal(ctl_progress_bar(&odd, 2, buf, sizeof(buf)), 0);
    assert_int_equal(ctl_progress_bar(&odd, 12, buf, 12), 0);
}

static void test_lines_fit_terminal(void **state)
{
    struct ctl_progress p = sample();
    char l1[512], l2[512];
    for (int width = 20; width <= 200; width += 7) {
        ctl_progress_lines(&p, width, l1, l2, sizeof(l1));
        assert_true((int)strlen(l1) <= width);
        assert_true((int)strlen(l2) <= width);
    }
    ctl_progress_lines(&p, 120, l1, l2, sizeof(l1));
    assert_non_null(strstr(l1, "campaign 42 running"));
    assert_non_null(strstr(l1, " 50.0% 50/100"));
    assert_non_null(strstr(l1, "[##"));
    assert_string_equal(l2,
                        "sent 45  delivered 30  read 10  failed 5  replied 2  |  10.0/s  ETA 5s");
}

static void test_eta_prefers_view(void **state)
{
    struct ctl_progress p = sample();
    p.eta_seconds = 125;
    char l1[512], l2[512];
    ctl_progress_lines(&p, 120, l1, l2, sizeof(l1));
    assert_non_null(strstr(l2, "ETA 2m05s"));
    p.eta_seconds = -1;
    p.rate = 0;
    ctl_progress_lines(&p, 120, l1, l2, sizeof(l1));
    assert_non_null(strstr(l2, "--/s  ETA --"));
}

static void test_unknown_audience_text(void **state)
{
    struct ctl_progress p = {
        .campaign_id = 7, .status = "scheduled", .pending = -1, .eta_seconds = -1};
    char l1[512], l2[512];
    ctl_progress_lines(&p, 100, l1, l2, sizeof(l1));
    assert_non_null(strstr(l1, "audience not yet known"));
}

static void test_plain_line(void **state)
{
    struct ctl_progress p = sample();
    char buf[512];
    ctl_progress_plain(&p, buf, sizeof(buf));
    assert_string_equal(buf, "campaign=42 status=running audience=100 done=50 accepted=45 sent=40 "
                             "delivered=30 read=10 failed=5 replied=2 rate=10.0/s eta=5s");
    assert_null(strchr(buf, '\033'));
}

static void test_json_line(void **state)
{
    struct ctl_progress p = sample();
    char buf[512];
    assert_int_equal(ctl_progress_json(&p, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "{\"campaign_id\":42,\"status\":\"running\",\"audience\":100,"
                             "\"done\":50,\"accepted\":45,\"sent\":40,\"delivered\":30,"
                             "\"read\":10,\"failed\":5,\"replied\":2,"
                             "\"rate_per_second\":10.0,\"eta_seconds\":5,"
                             "\"send_window_opens_at\":null,"
                             "\"messaging_limit_next_room_at\":null,\"paused_because\":null}");
    /* unknown audience, rate and ETA are null, not 0 */
    p.audience = 0;
    p.rate = 0;
    p.eta_seconds = -1;
    p.status = NULL;
    assert_int_equal(ctl_progress_json(&p, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "\"status\":null,\"audience\":null,"));
    assert_non_null(strstr(buf, "\"rate_per_second\":null,\"eta_seconds\":null,"));
    p.rate = 12.345;
    assert_int_equal(ctl_progress_json(&p, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "\"rate_per_second\":12.3,"));
    assert_int_equal(ctl_progress_json(&p, buf, 20), -1);
}

/* A running campaign outside its sending hours says when it goes on, in every form. */
static void test_waiting_for_send_window(void **state)
{
    struct ctl_progress p = sample();
    p.rate = 0;
    p.window_opens_utc = "2026-11-28T08:00:00Z";
    p.window_opens_local = "Sat 09:00 Europe/Berlin";
    char l1[256], l2[256], buf[512];
    ctl_progress_lines(&p, 100, l1, l2, sizeof(l1));
    assert_string_equal(
        l2, "sent 45  delivered 30  read 10  failed 5  replied 2  |  waiting: opens Sat "
            "09:00 Europe/Berlin");
    ctl_progress_plain(&p, buf, sizeof(buf));
    assert_non_null(strstr(buf, " eta=-- window_opens=2026-11-28T08:00:00Z"));
    assert_int_equal(ctl_progress_json(&p, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, ",\"send_window_opens_at\":\"2026-11-28T08:00:00Z\","));
    ctl_progress_lines(&p, 40, l1, l2, sizeof(l1));
    assert_int_equal(strlen(l2), 40);
}

/* A running campaign held back by Meta's messaging limit says when its next person may go. */
static void test_waiting_for_messaging_limit(void **state)
{
    struct ctl_progress p = sample();
    p.rate = 0;
    p.limit_next_utc = "2026-11-29T07:14:03Z";
    char l1[256], l2[256], buf[512];
    ctl_progress_lines(&p, 100, l1, l2, sizeof(l1));
    assert_string_equal(l2, "sent 45  delivered 30  read 10  failed 5  replied 2  |  waiting: "
                            "messaging limit, next 11-29 07:14Z");
    ctl_progress_plain(&p, buf, sizeof(buf));
    assert_non_null(strstr(buf, " eta=-- limit_next_room=2026-11-29T07:14:03Z"));
    assert_int_equal(ctl_progress_json(&p, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, ",\"messaging_limit_next_room_at\":\"2026-11-29T07:14:03Z\","));
    p.window_opens_local = "Sat 09:00 Europe/Berlin"; /* the window comes first */
    ctl_progress_lines(&p, 100, l1, l2, sizeof(l1));
    assert_non_null(strstr(l2, "waiting: opens Sat 09:00"));
}

/* A campaign the failure guard paused says why, in every form. */
static void test_paused_by_the_system_says_why(void **state)
{
    struct ctl_progress p = sample();
    p.status = "paused";
    p.rate = 0;
    p.paused_because = "paused by the failure guard: 61 of 200 settled messages failed";
    char l1[256], l2[256], buf[512];
    ctl_progress_lines(&p, 120, l1, l2, sizeof(l1));
    assert_non_null(
        strstr(l2, "|  paused by the failure guard: 61 of 200 settled messages failed"));
    ctl_progress_plain(&p, buf, sizeof(buf));
    assert_non_null(strstr(buf, " reason=\"paused by the failure guard: 61 of 200"));
    assert_int_equal(ctl_progress_json(&p, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, ",\"paused_because\":\"paused by the failure guard: 61 of"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_done),
        cmocka_unit_test(test_waiting_for_messaging_limit),
        cmocka_unit_test(test_paused_by_the_system_says_why),
        cmocka_unit_test(test_json_line),
        cmocka_unit_test(test_stacked_bar),
        cmocka_unit_test(test_bar_edges),
        cmocka_unit_test(test_lines_fit_terminal),
        cmocka_unit_test(test_eta_prefers_view),
        cmocka_unit_test(test_unknown_audience_text),
        cmocka_unit_test(test_plain_line),
        cmocka_unit_test(test_waiting_for_send_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
