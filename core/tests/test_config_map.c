/*
 * test_config_map.c - a plugin section is parsed into the context struct by type; env
 * overrides the file, the file overrides defaults; a missing required key or a wrong type
 * is a one-line error naming the file and the key path.
 */
#include <libconfig.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin_config_map.h"

struct ctx {
    char *output;
    int64_t count;
    double rate;
    int enabled;
    char *secret;
};

static const struct herald_config_option map[] = {
    {HERALD_CONFIG_STR, "output", "out", 0, offsetof(struct ctx, output), NULL, "topic"},
    {HERALD_CONFIG_INT, "count", "3", 0, offsetof(struct ctx, count), NULL, "n"},
    {HERALD_CONFIG_DOUBLE, "rate", "1.5", 0, offsetof(struct ctx, rate), "TEST_RATE", "r"},
    {HERALD_CONFIG_BOOL, "enabled", "false", 0, offsetof(struct ctx, enabled), NULL, "b"},
    {HERALD_CONFIG_STR, "secret", NULL, 1, offsetof(struct ctx, secret), "TEST_SECRET", "s"},
    {0, NULL, NULL, 0, 0, NULL, NULL},
};

static config_t cfg;
static int unknown_seen;

static void on_unknown(const char *key, int line, void *opaque)
{
    unknown_seen++;
    assert_string_equal(key, "typo");
}

static const config_setting_t *section(const char *text)
{
    config_init(&cfg);
    assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
    return config_lookup(&cfg, "config");
}

static void test_file_values_and_defaults(void **state)
{
    unsetenv("TEST_RATE");
    unsetenv("TEST_SECRET");
    struct ctx c = {0};
    char err[256] = "";
    unknown_seen = 0;
    const config_setting_t *s =
        section("config = { output = \"B\"; rate = 4; enabled = true; secret = \"s3\";\n"
                "typo = 1; };");
    assert_int_equal(config_map_apply(map, s, &c, "f.conf", "plugins[0].config", err, sizeof err,
                                      on_unknown, NULL),
                     0);
    assert_string_equal(c.output, "B");
    assert_int_equal(c.count, 3); /* default */
    assert_true(c.rate == 4.0);   /* integer accepted for a double */
    assert_int_equal(c.enabled, 1);
    assert_string_equal(c.secret, "s3");
    assert_int_equal(unknown_seen, 1);
    config_map_free(map, &c);
    assert_null(c.output);
    config_destroy(&cfg);
}

static void test_env_wins(void **state)
{
    setenv("TEST_SECRET", "from-env", 1);
    setenv("TEST_RATE", "2.25", 1);
    struct ctx c = {0};
    char err[256] = "";
    const config_setting_t *s = section("config = { rate = 9.0; secret = \"file\"; };");
    assert_int_equal(
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", err, sizeof err, NULL, NULL),
        0);
    assert_string_equal(c.secret, "from-env");
    assert_true(c.rate == 2.25);
    config_map_free(map, &c);
    config_destroy(&cfg);
    unsetenv("TEST_SECRET");
    unsetenv("TEST_RATE");
}

static void test_missing_required(void **state)
{
    struct ctx c = {0};
    char err[256] = "";
    const config_setting_t *s = section("config = { output = \"x\"; };");
    assert_int_equal(
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", err, sizeof err, NULL, NULL),
        -1);
    assert_string_equal(err, "f.conf: plugins[0].config.secret: required (or set env TEST_SECRET)");
    assert_null(c.output); /* freed on failure */
    config_destroy(&cfg);
    /* no section at all is the same error */
    assert_int_equal(
        config_map_apply(map, NULL, &c, "f.conf", "plugins[2].config", err, sizeof err, NULL, NULL),
        -1);
    assert_non_null(strstr(err, "plugins[2].config.secret: required"));
}

static void test_wrong_types(void **state)
{
    struct ctx c = {0};
    char err[256] = "";
    const config_setting_t *s = section("config = {\n count = \"many\"; secret = \"s\"; };");
    assert_int_equal(
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", err, sizeof err, NULL, NULL),
        -1);
    assert_string_equal(err, "f.conf:2: plugins[0].config.count: expected a integer");
    config_destroy(&cfg);
    setenv("TEST_RATE", "fast", 1);
    s = section("config = { secret = \"s\"; };");
    assert_int_equal(
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", err, sizeof err, NULL, NULL),
        -1);
    assert_non_null(strstr(err, "env TEST_RATE"));
    assert_null(strstr(err, "fast")); /* env values may be secrets: never echoed */
    unsetenv("TEST_RATE");
    config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_values_and_defaults),
        cmocka_unit_test(test_env_wins),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_wrong_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
