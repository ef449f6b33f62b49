/*
 * test_json_writer.c - the plugins' JSON writer: what it writes parses back to the same value
 * a jansson tree would have (nested objects, arrays and their commas, escaping of C strings on
 * both the direct and the jansson path, string pieces), and every misuse or bad input (a
 * string that is not UTF-8, unbalanced nesting, nesting too deep) yields NULL, not broken JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "herald/json_writer.h"

/* Parses `text` (freed here) and checks it equals `want` (reference taken). */
static void assert_json_equals(char *text, json_t *want)
{
    assert_non_null(text);
    json_error_t err;
    json_t *got = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!got || !json_equal(got, want))
        fail_msg("wrote %s (%s)", text, got ? "different value" : err.text);
    json_decref(got);
    json_decref(want);
    free(text);
}

static void test_nested_objects_and_arrays(void **state)
{
    (void)state;
    struct json_writer w;
    json_writer_begin(&w, 8); /* small hint: the buffer must grow */
    json_writer_key(&w, "a");
    json_writer_int(&w, -42);
    json_writer_key(&w, "list");
    json_writer_open_array(&w);
    json_writer_int(&w, 1);
    json_writer_null(&w);
    json_writer_literal(&w, "x");
    json_writer_open(&w);
    json_writer_key(&w, "k");
    json_writer_open_array(&w);
    json_writer_close_array(&w);
    json_writer_close(&w);
    json_writer_open_array(&w);
    json_writer_int(&w, 2);
    json_writer_close_array(&w);
    json_writer_close_array(&w);
    json_writer_key(&w, "o");
    json_writer_open(&w);
    json_writer_close(&w);
    json_writer_key(&w, "last");
    json_writer_cstring(&w, NULL);
    assert_json_equals(json_writer_finish(&w),
                       json_pack("{s:i, s:[i, n, s, {s:[]}, [i]], s:{}, s:n}", "a", -42, "list", 1,
                                 "x", "k", 2, "o", "last"));
}

static void test_cstrings_are_escaped_like_jansson(void **state)
{
    (void)state;
    const char *samples[] = {
        "plain text 20%", "",         "quote \" and backslash \\", "line\nbreak\ttab\x01",
        "Grüße, 東京 🎉",  "</script>"};
    for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
        struct json_writer w;
        json_writer_begin(&w, 64);
        json_writer_key(&w, "s");
        json_writer_cstring(&w, samples[i]);
        json_writer_key(&w, "in");
        json_writer_open_array(&w);
        json_writer_cstring(&w, samples[i]);
        json_writer_cstring(&w, samples[i]);
        json_writer_close_array(&w);
        assert_json_equals(json_writer_finish(&w), json_pack("{s:s, s:[s, s]}", "s", samples[i],
                                                             "in", samples[i], samples[i]));
    }
}

static void test_values_and_string_pieces(void **state)
{
    (void)state;
    json_t *src = json_pack("{s:s, s:[i, b]}", "id", "wamid.\"q\"", "arr", 7, 1);
    struct json_writer w;
    json_writer_begin(&w, 16);
    json_writer_key(&w, "copy");
    json_writer_value(&w, src);
    json_writer_key(&w, "none");
    json_writer_value(&w, NULL);
    json_writer_key(&w, "event_id");
    json_writer_string_begin(&w);
    json_writer_string_literal(&w, "wh-");
    json_writer_string_part(&w, json_object_get(src, "id"));
    json_writer_string_literal(&w, "-read");
    json_writer_string_end(&w);
    assert_json_equals(json_writer_finish(&w), json_pack("{s:O, s:n, s:s}", "copy", src, "none",
                                                         "event_id", "wh-wamid.\"q\"-read"));
    json_decref(src);
}

static void test_bad_input_and_misuse_give_null(void **state)
{
    (void)state;
    struct json_writer w;
    json_writer_begin(&w, 16);
    json_writer_key(&w, "s");
    json_writer_cstring(&w, "bad \xff\xfe utf-8");
    assert_null(json_writer_finish(&w));

    json_writer_begin(&w, 16); /* closes an array that was never opened */
    json_writer_key(&w, "o");
    json_writer_open(&w);
    json_writer_close_array(&w);
    assert_null(json_writer_finish(&w));

    json_writer_begin(&w, 16); /* left open */
    json_writer_key(&w, "o");
    json_writer_open_array(&w);
    assert_null(json_writer_finish(&w));

    json_writer_begin(&w, 16);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH + 2; i++) {
        json_writer_key(&w, "d");
        json_writer_open(&w);
    }
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH + 2; i++)
        json_writer_close(&w);
    assert_null(json_writer_finish(&w));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_objects_and_arrays),
        cmocka_unit_test(test_cstrings_are_escaped_like_jansson),
        cmocka_unit_test(test_values_and_string_pieces),
        cmocka_unit_test(test_bad_input_and_misuse_give_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
