/*
 * Send records are what tests assert exactly-once and rate limits against, so the record
 * content, duplicate counting, the any-1-second-window maximum and paging are checked here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_send_log.h"
#include "mock_wamid.h"

static mock_send_request_t request(const char *to, const char *cb)
{
    mock_send_request_t r;
    memset(&r, 0, sizeof r);
    r.to_input = to;
    snprintf(r.wa_id, sizeof r.wa_id, "%s", to);
    r.template_name = "spring_sale";
    r.language = "en";
    r.callback_data = cb;
    r.n_params = 2;
    r.params[0] = "Asha";
    r.params[1] = "quote\"d";
    return r;
}

static void records_dump_as_json_with_paging(void **state)
{
    mock_send_log_t *log = mock_send_log_new(1000);
    mock_send_request_t r = request("4915112345678", "c=1;r=2");
    mock_send_request_t anon = request("4915112345679", NULL);
    mock_send_log_add(log, "wamid.A", "111", &r, 1000);
    mock_send_log_add(log, "wamid.B", "111", &anon, 1001);
    mock_send_log_add(log, "wamid.C", "222", &r, 1002);
    size_t len;
    char *text = mock_send_log_dump(log, 0, 100, &len);
    json_t *arr = json_loadb(text, len, 0, NULL);
    free(text);
    assert_int_equal(json_array_size(arr), 3);
    json_t *first = json_array_get(arr, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "seq")), 0);
    assert_string_equal(json_string_value(json_object_get(first, "wamid")), "wamid.A");
    assert_string_equal(json_string_value(json_object_get(first, "phone_number_id")), "111");
    assert_string_equal(json_string_value(json_object_get(first, "to")), "4915112345678");
    assert_string_equal(json_string_value(json_object_get(first, "template")), "spring_sale");
    assert_string_equal(json_string_value(json_object_get(first, "biz_opaque_callback_data")),
                        "c=1;r=2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(first, "params"), 1)),
                        "quote\"d");
    assert_int_equal(json_integer_value(json_object_get(first, "ts_ms")), 1000);
    assert_true(json_is_null(json_object_get(json_array_get(arr, 1), "biz_opaque_callback_data")));
    json_decref(arr);

    text = mock_send_log_dump(log, 1, 1, &len);
    arr = json_loadb(text, len, 0, NULL);
    free(text);
    assert_int_equal(json_array_size(arr), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "wamid")),
                        "wamid.B");
    json_decref(arr);
    text = mock_send_log_dump(log, 3, 10, &len);
    assert_string_equal(text, "[]\n");
    free(text);
    mock_send_log_free(log);
}

static void duplicates_are_per_number_recipient_and_callback(void **state)
{
    mock_send_log_t *log = mock_send_log_new(1000);
    mock_send_request_t r = request("4915112345678", "c=1;r=2");
    mock_send_request_t other_cb = request("4915112345678", "c=1;r=3");
    assert_int_equal(mock_send_log_add(log, "w1", "111", &r, 1), 1);
    assert_int_equal(mock_send_log_add(log, "w2", "111", &r, 2), 2);
    assert_int_equal(mock_send_log_add(log, "w3", "222", &r, 3), 1);
    assert_int_equal(mock_send_log_add(log, "w4", "111", &other_cb, 4), 1);
    assert_int_equal(mock_send_log_add(log, "w5", "111", &r, 5), 3);
    json_t *stats = json_object();
    mock_send_log_stats(log, stats);
    assert_int_equal(json_integer_value(json_object_get(stats, "duplicate_sends")), 2);
    json_t *keys = json_object_get(stats, "duplicate_keys");
    assert_int_equal(json_array_size(keys), 1);
    json_t *k = json_array_get(keys, 0);
    assert_int_equal(json_integer_value(json_object_get(k, "count")), 3);
    assert_string_equal(json_string_value(json_object_get(k, "biz_opaque_callback_data")),
                        "c=1;r=2");
    json_decref(stats);
    mock_send_log_reset(log);
    assert_int_equal(mock_send_log_add(log, "w6", "111", &r, 6), 1);
    mock_send_log_free(log);
}

static void max_window_sees_bursts_across_second_boundaries(void **state)
{
    mock_send_log_t *log = mock_send_log_new(100000);
    char to[16];
    /* 100 sends in 10.5 s.. 10.999 s and 100 in 11.0 .. 11.499: calendar seconds show 100
       each, but a sliding window sees 200. */
    for (int i = 0; i < 200; i++) {
        snprintf(to, sizeof to, "49151%08d", i);
        mock_send_request_t r = request(to, NULL);
        mock_send_log_add(log, "w", "111", &r, 10500 + i * 5);
    }
    json_t *stats = json_object();
    mock_send_log_stats(log, stats);
    json_t *num = json_object_get(json_object_get(stats, "phone_numbers"), "111");
    assert_int_equal(json_integer_value(json_object_get(num, "accepted")), 200);
    assert_int_equal(json_integer_value(json_object_get(num, "max_sends_in_1s_window")), 200);
    json_t *hist = json_object_get(num, "per_second");
    assert_int_equal(json_array_size(hist), 2);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(hist, 0), 0)), 10);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(hist, 0), 1)), 100);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(hist, 1), 1)), 100);
    assert_int_equal(json_integer_value(json_object_get(stats, "max_sends_in_1s_window")), 200);
    json_decref(stats);
    mock_send_log_free(log);
}

static void records_beyond_the_cap_are_counted_not_stored(void **state)
{
    mock_send_log_t *log = mock_send_log_new(2);
    mock_send_request_t r = request("4915112345678", NULL);
    for (int i = 0; i < 5; i++)
        mock_send_log_add(log, "w", "111", &r, 1 + i);
    uint64_t stored, not_stored, dups;
    mock_send_log_totals(log, &stored, &not_stored, &dups);
    assert_int_equal(stored, 2);
    assert_int_equal(not_stored, 3);
    assert_int_equal(dups, 4);
    mock_send_log_free(log);
}

static void wamids_are_unique_and_look_real(void **state)
{
    char a[MOCK_WAMID_MAX], b[MOCK_WAMID_MAX];
    mock_wamid_format(a, "4915112345678", 7, 1);
    mock_wamid_format(b, "4915112345678", 7, 2);
    assert_string_not_equal(a, b);
    assert_memory_equal(a, "wamid.HBg", 9);
    assert_null(strchr(a, '='));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_dump_as_json_with_paging),
        cmocka_unit_test(duplicates_are_per_number_recipient_and_callback),
        cmocka_unit_test(max_window_sees_bursts_across_second_boundaries),
        cmocka_unit_test(records_beyond_the_cap_are_counted_not_stored),
        cmocka_unit_test(wamids_are_unique_and_look_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
