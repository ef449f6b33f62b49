/*
 * test_api_misc.c - bearer token check, the error shape, transitions, command building, RFC
 * 3339 parsing and the static path guard (path traversal attempts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api_auth.h"
#include "api_campaign_validate.h"
#include "api_error.h"
#include "api_static_path.h"
#include "api_time.h"
#include "api_transitions.h"

static void bearer_token(void **state)
{
    struct api_auth a;
    assert_int_equal(api_auth_init(&a, ""), -1);
    assert_int_equal(api_auth_init(&a, NULL), -1);
    assert_false(api_auth_check(&a, "Bearer "));
    assert_int_equal(api_auth_init(&a, "s3cret"), 0);
    assert_true(api_auth_check(&a, "Bearer s3cret"));
    assert_true(api_auth_check(&a, "bearer s3cret"));
    const char *bad[] = {NULL,
                         "",
                         "s3cret",
                         "Bearer",
                         "Bearer ",
                         "Bearer s3cre",
                         "Bearer s3cret ",
                         "Bearer  s3cret",
                         "Basic s3cret",
                         "Bearer S3cret",
                         "Bearers3cret"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(api_auth_check(&a, bad[i]));
}

static void error_shape(void **state)
{
    char *text = api_error_json(400, "name is required", "name");
    json_t *j = json_loads(text, 0, NULL);
    json_t *e = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "bad_request");
    assert_string_equal(json_string_value(json_object_get(e, "message")), "name is required");
    assert_string_equal(json_string_value(json_object_get(e, "field")), "name");
    assert_int_equal(json_object_size(j), 1);
    json_decref(j);
    free(text);
    text = api_error_json(404, "x \"quoted\"", NULL);
    j = json_loads(text, 0, NULL);
    e = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "not_found");
    assert_null(json_object_get(e, "field"));
    json_decref(j);
    free(text);
    assert_string_equal(api_error_code(409), "conflict");
    assert_string_equal(api_error_code(401), "unauthorized");
    assert_string_equal(api_error_code(503), "unavailable");
    assert_string_equal(api_error_code(500), "internal");
}

static void transitions(void **state)
{
    assert_true(api_transition_allowed("pause", "running"));
    assert_true(api_transition_allowed("resume", "paused"));
    assert_true(api_transition_allowed("start", "draft"));
    assert_true(api_transition_allowed("start", "scheduled"));
    assert_true(api_transition_allowed("schedule", "draft"));
    assert_true(api_transition_allowed("cancel", "running"));
    assert_true(api_transition_allowed("cancel", "paused"));
    assert_true(api_transition_allowed("duplicate", "completed"));
    assert_true(api_transition_allowed("update", "draft"));
    assert_false(api_transition_allowed("pause", "completed"));
    assert_false(api_transition_allowed("pause", "draft"));
    assert_false(api_transition_allowed("resume", "running"));
    assert_false(api_transition_allowed("resume", "completed"));
    assert_false(api_transition_allowed("start", "completed"));
    assert_false(api_transition_allowed("start", "cancelled"));
    assert_false(api_transition_allowed("cancel", "completed"));
    assert_false(api_transition_allowed("cancel", "cancelled"));
    assert_false(api_transition_allowed("update", "completed"));
    assert_false(api_transition_allowed("explode", "draft"));
    assert_false(api_transition_allowed("start", "weird"));
    assert_false(api_transition_allowed(NULL, "draft"));
}

static void command_ids_and_shape(void **state)
{
    char a[37], b[37];
    assert_int_equal(api_command_id_new(a), 0);
    assert_int_equal(api_command_id_new(b), 0);
    assert_int_equal(strlen(a), 36);
    assert_string_not_equal(a, b);
    assert_int_equal(a[14], '4');
    assert_true(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    json_t *extra = json_pack("{s:I}", "new_campaign_id", (json_int_t)43);
    json_t *cmd = api_command_build(a, "duplicate", 42, extra);
    assert_string_equal(json_string_value(json_object_get(cmd, "command_id")), a);
    assert_string_equal(json_string_value(json_object_get(cmd, "type")), "duplicate");
    assert_int_equal(json_integer_value(json_object_get(cmd, "campaign_id")), 42);
    assert_int_equal(json_integer_value(json_object_get(cmd, "new_campaign_id")), 43);
    json_decref(cmd);
    json_decref(extra);
}

static void rfc3339(void **state)
{
    int64_t t;
    char out[21];
    assert_int_equal(api_time_parse_rfc3339("2026-11-25T20:00:00Z", &t), 0);
    assert_int_equal(t, 1795636800);
    api_time_format_utc(t, out);
    assert_string_equal(out, "2026-11-25T20:00:00Z");
    assert_int_equal(api_time_parse_rfc3339("2026-11-25T21:30:00+01:30", &t), 0);
    assert_int_equal(t, 1795636800);
    assert_int_equal(api_time_parse_rfc3339("2026-11-25 19:00:00.123-01:00", &t), 0);
    assert_int_equal(t, 1795636800);
    assert_int_equal(api_time_parse_rfc3339("2024-02-29T00:00:00Z", &t), 0);
    const char *bad[] = {"",
                         "2026-11-25",
                         "2026-11-25T20:00:00",
                         "2026-11-25T20:00Z",
                         "2026-13-01T00:00:00Z",
                         "2025-02-29T00:00:00Z",
                         "2026-11-31T00:00:00Z",
                         "2026-11-25T24:00:00Z",
                         "2026-11-25T20:00:00+0100",
                         "2026-11-25T20:00:00.Z",
                         "2026-11-25T20:00:00Zjunk",
                         "tomorrow",
                         "1969-12-31T23:59:59Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(api_time_parse_rfc3339(bad[i], &t), -1);
}

/* The nanoseconds carry into seconds: a deadline is always a valid timespec, ms from now. */
static void condvar_deadline(void **state)
{
    (void)state;
    for (int64_t ms = 0; ms <= 2000; ms += 7) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        struct timespec d = api_time_deadline_after(ms);
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        int64_t ahead_ms =
            (int64_t)(d.tv_sec - now.tv_sec) * 1000 + (d.tv_nsec - now.tv_nsec) / 1000000;
        assert_true(ahead_ms >= ms && ahead_ms <= ms + 50);
    }
}

static void static_paths(void **state)
{
    char out[256];
    assert_int_equal(api_static_path("/", out, sizeof(out)), 0);
    assert_string_equal(out, "index.html");
    assert_int_equal(api_static_path("/app.js", out, sizeof(out)), 0);
    assert_string_equal(out, "app.js");
    assert_int_equal(api_static_path("/assets//img/logo.svg", out, sizeof(out)), 0);
    assert_string_equal(out, "assets/img/logo.svg");
    assert_int_equal(api_static_path("/docs/", out, sizeof(out)), 0);
    assert_string_equal(out, "docs/index.html");
    const char *bad[] = {"",     "app.js", "/../etc/passwd", "/a/../../b", "/..",    "/a/..",
                         "/./a", "/.env",  "/a/.git/config", "/a\\..\\b",  "/a\x01", "/C:/x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(api_static_path(bad[i], out, sizeof(out)), -1);
    char small[8];
    assert_int_equal(api_static_path("/abcdefghij", small, sizeof(small)), -1);
    assert_int_equal(api_static_path("/", small, sizeof(small)), -1); /* index.html won't fit */
    assert_string_equal(api_static_content_type("a/b.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(api_static_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(api_static_content_type("x.bin"), "application/octet-stream");
    assert_string_equal(api_static_content_type("noext"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bearer_token),     cmocka_unit_test(error_shape),
        cmocka_unit_test(transitions),      cmocka_unit_test(command_ids_and_shape),
        cmocka_unit_test(rfc3339),          cmocka_unit_test(static_paths),
        cmocka_unit_test(condvar_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
