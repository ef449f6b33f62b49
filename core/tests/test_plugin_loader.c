/*
 * test_plugin_loader.c - the loader accepts a good plugin and refuses a missing file, a
 * wrong ABI version and a missing entry symbol, each with a message that says what to do.
 * Uses the test plugins of tests/plugins (built into the same lib folder).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plugin_loader.h"

static void test_good_plugin(void **state)
{
    struct loaded_plugin lp;
    char err[1024] = "";
    int rc = plugin_load(&lp, "echo", NULL, HERALD_TEST_PLUGIN_DIR, err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    assert_string_equal(lp.plugin->name, "echo");
    assert_int_equal(lp.plugin->abi_version, HERALD_PLUGIN_ABI_VERSION);
    assert_non_null(strstr(lp.path, "/herald_echo.so"));
    plugin_unload(&lp);
}

static void expect(const char *name, const char *path, const char *want1, const char *want2)
{
    struct loaded_plugin lp;
    char err[1024] = "";
    assert_int_equal(plugin_load(&lp, name, path, HERALD_TEST_PLUGIN_DIR, err, sizeof err), -1);
    if (!strstr(err, want1) || !strstr(err, want2))
        fail_msg("error '%s' lacks '%s' / '%s'", err, want1, want2);
    assert_null(strchr(err, '\n'));
    assert_null(lp.dl);
}

static void test_missing_file(void **state)
{
    expect("nosuch", NULL, "cannot load plugin 'nosuch' from", "herald_nosuch.so");
    expect("nosuch", NULL, "ninja -C build", "stage.plugin_dir");
    expect("x", "/no/where/x.so", "/no/where/x.so", "No such file");
}

static void test_wrong_abi(void **state)
{
    expect("bad_abi", NULL, "built for plugin ABI 999", "rebuild the plugin");
}

static void test_missing_entry(void **state)
{
    expect("no_entry", NULL, "does not export herald_plugin_register()", "HERALD_PLUGIN_EXPORT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_plugin),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_wrong_abi),
        cmocka_unit_test(test_missing_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
