/*
 * The error JSON must have exactly Meta's shape: clients parse error.code,
 * error.error_data.details and log error.fbtrace_id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_auth.h"
#include "mock_error.h"

static json_t *render(const mock_error_t *e)
{
    char trace[12];
    mock_error_fbtrace_id(trace);
    assert_int_equal(strlen(trace), 11);
    char *s = mock_error_json(e, trace);
    assert_non_null(s);
    json_t *root = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(root);
    return root;
}

static void throughput_error_shape(void **state)
{
    mock_error_t e;
    mock_error_set(&e, 429, 130429, "too many %s", "messages");
    json_t *root = render(&e);
    assert_int_equal(json_object_size(root), 1);
    json_t *err = json_object_get(root, "error");
    assert_string_equal(json_string_value(json_object_get(err, "message")),
                        "(#130429) Rate limit hit");
    assert_string_equal(json_string_value(json_object_get(err, "type")), "OAuthException");
    assert_int_equal(json_integer_value(json_object_get(err, "code")), 130429);
    json_t *data = json_object_get(err, "error_data");
    assert_string_equal(json_string_value(json_object_get(data, "messaging_product")), "whatsapp");
    assert_string_equal(json_string_value(json_object_get(data, "details")), "too many messages");
    assert_int_equal(json_string_length(json_object_get(err, "fbtrace_id")), 11);
    assert_null(json_object_get(err, "error_subcode"));
    json_decref(root);
}

static void every_code_has_a_prefixed_message(void **state)
{
    static const int codes[] = {1,      2,      100,    131000, 131008, 131026, 131049,
                                131050, 131056, 132000, 132001, 132018, 2500};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        mock_error_t e;
        mock_error_set(&e, 400, codes[i], "d");
        json_t *root = render(&e);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "(#%d) ", codes[i]);
        const char *msg =
            json_string_value(json_object_get(json_object_get(root, "error"), "message"));
        assert_memory_equal(msg, prefix, strlen(prefix));
        assert_string_not_equal(msg + strlen(prefix), "Unknown error");
        json_decref(root);
    }
}

static void token_errors_are_190_with_401(void **state)
{
    mock_config_t *cfg = mock_config_new_default();
    mock_error_t e;
    assert_int_equal(mock_auth_check(cfg, "Bearer herald-mock-token", 1, &e), 0);
    assert_int_equal(mock_auth_check(cfg, "bearer herald-mock-token", 1, &e), 0);
    assert_int_equal(mock_auth_check(cfg, "Bearer herald-mock-tokeN", 1, &e), -1);
    assert_int_equal(e.code, 190);
    assert_int_equal(e.http_status, 401);
    assert_int_equal(mock_auth_check(cfg, NULL, 1, &e), -1);
    assert_int_equal(e.code, 190);
    cfg->token_expires_at_ms = 1000;
    assert_int_equal(mock_auth_check(cfg, "Bearer herald-mock-token", 999, &e), 0);
    assert_int_equal(mock_auth_check(cfg, "Bearer herald-mock-token", 1000, &e), -1);
    assert_int_equal(e.subcode, 463);
    json_t *root = render(&e);
    json_t *err = json_object_get(root, "error");
    assert_int_equal(json_integer_value(json_object_get(err, "code")), 190);
    assert_int_equal(json_integer_value(json_object_get(err, "error_subcode")), 463);
    assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "expired"));
    json_decref(root);
    cfg->token_expires_at_ms = 0;
    cfg->token_expired = true;
    assert_int_equal(mock_auth_check(cfg, "Bearer herald-mock-token", 1, &e), -1);
    mock_config_unref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(throughput_error_shape),
        cmocka_unit_test(every_code_has_a_prefixed_message),
        cmocka_unit_test(token_errors_are_190_with_401),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
