/*
 * test_ctl_opts.c - the option parser: value forms, repeats, flags, positionals and every
 * error an operator can cause with a typo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_opts.h"

static const struct ctl_opt_spec specs[] = {
    {"name", 'n', CTL_OPT_VALUE, "TEXT", "a name"},
    {"param", 0, CTL_OPT_MULTI, "FIELD", "params"},
    {"quiet", 'q', CTL_OPT_FLAG, NULL, "quiet"},
    {NULL, 0, 0, NULL, NULL},
};
static const struct ctl_opt_spec *const tables[] = {specs};

static int parse(struct ctl_opts *o, char *err, int argc, char **argv)
{
    return ctl_opts_parse(o, tables, 1, argc, argv, err, 200);
}

static void test_value_forms(void **state)
{
    char *argv[] = {"--name", "Spring",  "pos1",         "--param=name",
                    "-q",     "--param", "attributes.x", "pos2"};
    struct ctl_opts o;
    char err[200];
    assert_int_equal(parse(&o, err, 8, argv), 0);
    assert_string_equal(ctl_opts_get(&o, "name"), "Spring");
    int n;
    const char **params = ctl_opts_get_all(&o, "param", &n);
    assert_int_equal(n, 2);
    assert_string_equal(params[0], "name");
    assert_string_equal(params[1], "attributes.x");
    assert_int_equal(ctl_opts_count(&o, "quiet"), 1);
    assert_int_equal(o.npositional, 2);
    assert_string_equal(o.positional[0], "pos1");
    assert_string_equal(o.positional[1], "pos2");
    assert_null(ctl_opts_get(&o, "missing"));
    ctl_opts_free(&o);
}

static void test_short_value_and_empty_inline(void **state)
{
    char *argv[] = {"-n", "x", "--param="};
    struct ctl_opts o;
    char err[200];
    assert_int_equal(parse(&o, err, 3, argv), 0);
    assert_string_equal(ctl_opts_get(&o, "name"), "x");
    assert_string_equal(ctl_opts_get(&o, "param"), "");
    ctl_opts_free(&o);
}

static void test_double_dash_ends_options(void **state)
{
    char *argv[] = {"--", "--name", "-"};
    struct ctl_opts o;
    char err[200];
    assert_int_equal(parse(&o, err, 3, argv), 0);
    assert_int_equal(o.npositional, 2);
    assert_string_equal(o.positional[0], "--name");
    assert_string_equal(o.positional[1], "-");
    assert_null(ctl_opts_get(&o, "name"));
    ctl_opts_free(&o);
}

static void expect_error(int argc, char **argv, const char *reason)
{
    struct ctl_opts o;
    char err[200] = "";
    assert_int_equal(parse(&o, err, argc, argv), -1);
    assert_non_null(strstr(err, reason));
    ctl_opts_free(&o);
}

static void test_errors(void **state)
{
    char *unknown[] = {"--nmae", "x"};
    expect_error(2, unknown, "unknown option --nmae");
    char *unknown_short[] = {"-z"};
    expect_error(1, unknown_short, "unknown option -z");
    char *bundled[] = {"-qn"};
    expect_error(1, bundled, "unknown option -qn");
    char *missing[] = {"--name"};
    expect_error(1, missing, "--name needs a value");
    char *twice[] = {"--name", "a", "--name=b"};
    expect_error(3, twice, "--name given more than once");
    char *flag_value[] = {"--quiet=yes"};
    expect_error(1, flag_value, "--quiet takes no value");
}

static void test_help_lists_every_option(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ctl_opts_print_help(f, tables, 1);
    fclose(f);
    assert_non_null(strstr(buf, "-n, --name TEXT"));
    assert_non_null(strstr(buf, "--param FIELD"));
    assert_non_null(strstr(buf, "(repeatable)"));
    assert_non_null(strstr(buf, "-q, --quiet "));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_forms),
        cmocka_unit_test(test_short_value_and_empty_inline),
        cmocka_unit_test(test_double_dash_ends_options),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_help_lists_every_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
