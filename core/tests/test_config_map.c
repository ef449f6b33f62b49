/*
 * test_config_map.c - a plugin section is parsed into the context struct by type; env
 * overrides the file, the file overrides defaults; a missing required key, a wrong type or a
 * key the map does not name is a one-line error naming the file and the key path.
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
    {HERALD_CONFIG_SETTING, "routes", NULL, 0, 0, NULL, "a list the plugin reads itself"},
    {0, NULL, NULL, 0, 0, NULL, NULL},
};

static config_t cfg;
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
    const config_setting_t *s =
        section("config = { output = \"B\"; rate = 4; enabled = true; secret = \"s3\";\n"
                "routes = ( \"a\", \"b\" ); };");
    assert_int_equal(
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", "test", err, sizeof err), 0);
    assert_string_equal(c.output, "B");
    assert_int_equal(c.count, 3); /* default */
    assert_true(c.rate == 4.0);   /* integer accepted for a double */
    assert_int_equal(c.enabled, 1);
    assert_string_equal(c.secret, "s3");
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
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", "test", err, sizeof err), 0);
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
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", "test", err, sizeof err), -1);
    assert_string_equal(err, "f.conf: plugins[0].config.secret: required (or set env TEST_SECRET)");
    assert_null(c.output); /* freed on failure */
    config_destroy(&cfg);
    /* no section at all is the same error */
    assert_int_equal(
        config_map_apply(map, NULL, &c, "f.conf", "plugins[2].config", "test", err, sizeof err),
        -1);
    assert_non_null(strstr(err, "plugins[2].config.secret: required"));
}

static void test_wrong_types(void **state)
{
    struct ctx c = {0};
    char err[256] = "";
    const config_setting_t *s = section("config = {\n count = \"many\"; secret = \"s\"; };");
    assert_int_equal(
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", "test", err, sizeof err), -1);
    assert_string_equal(err, "f.conf:2: plugins[0].config.count: expected a integer");
    config_destroy(&cfg);
    setenv("TEST_RATE", "fast", 1);
    s = section("config = { secret = \"s\"; };");
    assert_int_equal(
        config_map_apply(map, s, &c, "f.conf", "plugins[0].config", "test", err, sizeof err), -1);
    assert_non_null(strstr(err, "env TEST_RATE"));
    assert_null(strstr(err, "fast")); /* env values may be secrets: never echoed */
    unsetenv("TEST_RATE");
    config_destroy(&cfg);
}

static void test_unknown_key_is_refused(void **state)
{
    struct ctx c = {0};
    char err[256] = "";
    const config_setting_t *s = section("config = { output = \"x\"; secret = \"s\";\n"
                                        "  otuput = \"typo\"; };");
    assert_int_equal(
        config_map_apply(map, s, &c, "f.conf", "plugins[1].config", "test", err, sizeof err), -1);
    assert_string_equal(err, "f.conf:2: plugins[1].config.otuput: not an option of plugin 'test' "
                             "(herald-stage --help-config test lists them)");
    assert_null(c.output); /* nothing stored */
    assert_null(c.secret);
    config_destroy(&cfg);
}

static void test_required_setting_is_checked(void **state)
{
    static const struct herald_config_option needs_routes[] = {
        {HERALD_CONFIG_SETTING, "routes", NULL, 1, 0, NULL, "r"},
        {0, NULL, NULL, 0, 0, NULL, NULL},
    };
    struct ctx c = {0};
    char err[256] = "";
    const config_setting_t *s = section("config = { };");
    assert_int_equal(config_map_apply(needs_routes, s, &c, "f.conf", "plugins[0].config", "test",
                                      err, sizeof err),
                     -1);
    assert_string_equal(err, "f.conf: plugins[0].config.routes: required");
    config_destroy(&cfg);
    s = section("config = { routes = { a = 1; }; };");
    assert_int_equal(config_map_apply(needs_routes, s, &c, "f.conf", "plugins[0].config", "test",
                                      err, sizeof err),
                     0);
    config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_values_and_defaults),
        cmocka_unit_test(test_env_wins),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_unknown_key_is_refused),
        cmocka_unit_test(test_required_setting_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
