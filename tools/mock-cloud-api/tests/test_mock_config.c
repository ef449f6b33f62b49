/*
 * Flags, environment overrides and runtime JSON share one option table; these tests pin the
 * spellings the brief promises (--rate-per-second, --permanent a=b, MOCK_TOKEN, ...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mock_config.h"

static int parse(mock_config_t *c, int argc, char **argv)
{
    char err[256];
    bool help;
    return mock_config_parse_args(c, argc, argv, &help, err, sizeof err);
}

static void flags_from_the_brief(void **state)
{
    unsetenv("MOCK_TOKEN");
    unsetenv("MOCK_APP_SECRET");
    mock_config_t *c = mock_config_new_default();
    char *argv[] = {"--listen",
                    "127.0.0.1:0",
                    "--token",
                    "T",
                    "--app-secret",
                    "S",
                    "--webhook-url",
                    "http://x/y",
                    "--rate-per-second",
                    "80",
                    "--pair-interval-ms",
                    "6000",
                    "--fail-5xx-share",
                    "0.1",
                    "--timeout-share",
                    "0.05",
                    "--latency-ms",
                    "3",
                    "--reply-share",
                    "0.3",
                    "--webhook-delay-ms",
                    "50",
                    "--duplicate-share",
                    "0.2",
                    "--reorder-share",
                    "0.1",
                    "--permanent",
                    "4915100000001=131026,+4915100000002=131050",
                    "--template",
                    "spring_sale:2",
                    "--token-expired"};
    assert_int_equal(parse(c, (int)(sizeof argv / sizeof argv[0]), argv), 0);
    assert_string_equal(c->listen, "127.0.0.1:0");
    assert_string_equal(c->token, "T");
    assert_string_equal(c->app_secret, "S");
    assert_string_equal(c->webhook_url, "http://x/y");
    assert_true(c->rate_per_second == 80.0);
    assert_int_equal(c->pair_interval_ms, 6000);
    assert_true(c->fail_5xx_share == 0.1);
    assert_true(c->timeout_share == 0.05);
    assert_int_equal(c->latency_ms, 3);
    assert_true(c->reply_share == 0.3);
    assert_int_equal(c->webhook_delay_ms, 50);
    assert_true(c->duplicate_share == 0.2);
    assert_true(c->reorder_share == 0.1);
    assert_int_equal(mock_config_permanent_code(c, "4915100000001"), 131026);
    assert_int_equal(mock_config_permanent_code(c, "4915100000002"), 131050);
    assert_int_equal(mock_config_permanent_code(c, "4915100000003"), 0);
    assert_int_equal(mock_config_template_params(c, "spring_sale"), 2);
    assert_int_equal(mock_config_template_params(c, "other"), -1);
    assert_true(c->token_expired);
    mock_config_unref(c);
}

static void bad_flags_are_refused(void **state)
{
    mock_config_t *c = mock_config_new_default();
    char *unknown[] = {"--rate-per-secnd", "80"};
    char *share[] = {"--fail-5xx-share", "1.5"};
    char *number[] = {"--latency-ms", "fast"};
    char *missing[] = {"--latency-ms"};
    char *tpl[] = {"--template", "nocount"};
    char *tpl_header[] = {"--template", "a:1:gif:none"};
    char *tpl_buttons[] = {"--template", "a:1:image:url,call"};
    char *tpl_half[] = {"--template", "a:1:image"};
    char *perm[] = {"--permanent", "4915100000001"};
    assert_int_equal(parse(c, 2, unknown), -1);
    assert_int_equal(parse(c, 2, share), -1);
    assert_int_equal(parse(c, 2, number), -1);
    assert_int_equal(parse(c, 1, missing), -1);
    assert_int_equal(parse(c, 2, tpl), -1);
    assert_int_equal(parse(c, 2, tpl_header), -1);
    assert_int_equal(parse(c, 2, tpl_buttons), -1);
    assert_int_equal(parse(c, 2, tpl_half), -1);
    assert_int_equal(parse(c, 2, perm), -1);
    mock_config_unref(c);
}

static void environment_overrides_token_and_secret(void **state)
{
    setenv("MOCK_TOKEN", "envtoken", 1);
    setenv("MOCK_APP_SECRET", "envsecret", 1);
    mock_config_t *c = mock_config_new_default();
    char *argv[] = {"--token", "flagtoken"};
    assert_int_equal(parse(c, 2, argv), 0);
    assert_string_equal(c->token, "envtoken");
    assert_string_equal(c->app_secret, "envsecret");
    unsetenv("MOCK_TOKEN");
    unsetenv("MOCK_APP_SECRET");
    mock_config_unref(c);
}

static void runtime_json_changes_a_clone(void **state)
{
    mock_config_t *c = mock_config_new_default();
    mock_config_t *n = mock_config_clone(c);
    char err[256];
    json_t *patch = json_loads("{\"rate_per_second\":1000,\"fail_5xx_share\":0.5,"
                               "\"token_expired\":true,\"permanent\":{\"4915100000009\":131049},"
                               "\"templates\":{\"a\":1,\"b\":\"2:document:url,-,quick_reply\"},"
                               "\"fail_codes\":[131026],"
                               "\"webhook_url\":\"http://h/\"}",
                               0, NULL);
    assert_int_equal(mock_config_apply_json(n, patch, err, sizeof err), 0);
    json_decref(patch);
    assert_true(n->rate_per_second == 1000.0 && c->rate_per_second == 0.0);
    assert_true(n->fail_5xx_share == 0.5);
    assert_true(n->token_expired && !c->token_expired);
    assert_int_equal(mock_config_permanent_code(n, "4915100000009"), 131049);
    assert_int_equal(mock_config_template_params(n, "a"), 1);
    const mock_template_t *b = mock_config_template(n, "b");
    assert_non_null(b);
    assert_int_equal(b->body_params, 2);
    assert_int_equal(b->header, 'd');
    assert_string_equal(b->buttons, "u-q");
    assert_int_equal(mock_config_template(n, "a")->header, 0);
    json_t *dump = mock_config_to_json(n);
    json_t *tpls = json_object_get(dump, "templates");
    assert_int_equal(json_integer_value(json_object_get(tpls, "a")), 1);
    assert_string_equal(json_string_value(json_object_get(tpls, "b")),
                        "2:document:url,-,quick_reply");
    json_decref(dump);
    assert_int_equal(n->n_fail_codes, 1);
    assert_string_equal(n->webhook_url, "http://h/");
    assert_string_equal(c->webhook_url, "");

    json_t *bad[] = {json_loads("{\"listen\":\"0:1\"}", 0, NULL),
                     json_loads("{\"nope\":1}", 0, NULL),
                     json_loads("{\"rate_per_second\":\"fast\"}", 0, NULL),
                     json_loads("{\"reply_share\":2}", 0, NULL), json_loads("[1]", 0, NULL)};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(mock_config_apply_json(n, bad[i], err, sizeof err), -1);
        assert_true(strlen(err) > 0);
        json_decref(bad[i]);
    }
    json_t *shown = mock_config_to_json(n);
    assert_string_equal(json_string_value(json_object_get(shown, "app_secret")), "***");
    json_decref(shown);
    mock_config_unref(n);
    mock_config_unref(c);
}

static void holder_keeps_old_snapshot_alive(void **state)
{
    mock_config_holder_t *h = mock_config_holder_new(mock_config_new_default());
    mock_config_t *old = mock_config_acquire(h);
    mock_config_t *next = mock_config_clone(old);
    next->latency_ms = 7;
    mock_config_publish(h, next);
    assert_int_equal(old->latency_ms, 0); /* still valid after the swap */
    mock_config_t *cur = mock_config_acquire(h);
    assert_int_equal(cur->latency_ms, 7);
    mock_config_unref(cur);
    mock_config_unref(old);
    mock_config_holder_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flags_from_the_brief),
        cmocka_unit_test(bad_flags_are_refused),
        cmocka_unit_test(environment_overrides_token_and_secret),
        cmocka_unit_test(runtime_json_changes_a_clone),
        cmocka_unit_test(holder_keeps_old_snapshot_alive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
