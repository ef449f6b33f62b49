/*
 * test_ctl_subcommands.c - real command lines through the subcommand table: lookup of one-
 * and two-word commands, positional counts, common options on every subcommand, --help.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_subcommands.h"

static const struct ctl_subcommand *find(int argc, char **argv, int *used)
{
    return ctl_subcommand_find(argc, argv, used);
}

static void test_lookup(void **state)
{
    int used;
    char *create[] = {"campaign", "create", "--name", "x"};
    const struct ctl_subcommand *sc = find(4, create, &used);
    assert_non_null(sc);
    assert_string_equal(sc->words, "campaign create");
    assert_int_equal(used, 2);
    char *start[] = {"start", "42"};
    sc = find(2, start, &used);
    assert_string_equal(sc->words, "start");
    assert_int_equal(used, 1);
    char *alias[] = {"campaign", "pause", "42"};
    sc = find(3, alias, &used);
    assert_ptr_equal(sc->run, ctl_cmd_pause);
    char *partial[] = {"campaign"};
    assert_null(find(1, partial, &used));
    char *bogus[] = {"campain", "list"};
    assert_null(find(2, bogus, &used));
}

static int parse_words(const char *words, int argc, char **argv, struct ctl_opts *o, char *err)
{
    int used;
    char *w[8];
    int n = 0;
    char copy[64];
    snprintf(copy, sizeof(copy), "%s", words);
    for (char *p = strtok(copy, " "); p; p = strtok(NULL, " "))
        w[n++] = p;
    const struct ctl_subcommand *sc = ctl_subcommand_find(n, w, &used);
    assert_non_null(sc);
    return ctl_subcommand_parse(sc, argc, argv, o, err, 200);
}

static void test_positionals(void **state)
{
    struct ctl_opts o;
    char err[200];
    char *none[] = {"--timeout", "3"};
    assert_int_equal(parse_words("start", 2, none, &o, err), -1);
    assert_non_null(strstr(err, "missing ID"));
    ctl_opts_free(&o);
    char *two[] = {"4", "5"};
    assert_int_equal(parse_words("cancel", 2, two, &o, err), -1);
    assert_non_null(strstr(err, "unexpected argument '5'"));
    ctl_opts_free(&o);
    char *ok[] = {"4", "-c", "x.conf", "-q", "--no-wait"};
    assert_int_equal(parse_words("resume", 5, ok, &o, err), 0);
    assert_string_equal(o.positional[0], "4");
    assert_string_equal(ctl_opts_get(&o, "config"), "x.conf");
    assert_int_equal(ctl_opts_count(&o, "quiet"), 1);
    assert_int_equal(ctl_opts_count(&o, "no-wait"), 1);
    ctl_opts_free(&o);
}

static void test_help_skips_positional_check(void **state)
{
    struct ctl_opts o;
    char err[200];
    char *help[] = {"--help"};
    assert_int_equal(parse_words("watch", 1, help, &o, err), 0);
    assert_int_equal(ctl_opts_count(&o, "help"), 1);
    ctl_opts_free(&o);
}

static void test_subcommand_options_are_scoped(void **state)
{
    struct ctl_opts o;
    char err[200];
    char *at_on_start[] = {"4", "--at", "now"};
    assert_int_equal(parse_words("start", 3, at_on_start, &o, err), -1);
    assert_non_null(strstr(err, "unknown option --at"));
    ctl_opts_free(&o);
    char *at[] = {"4", "--at", "+5m"};
    assert_int_equal(parse_words("schedule", 3, at, &o, err), 0);
    assert_string_equal(ctl_opts_get(&o, "at"), "+5m");
    ctl_opts_free(&o);
    char *imp[] = {"--list", "demo", "c.csv"};
    assert_int_equal(parse_words("contacts import", 3, imp, &o, err), 0);
    assert_string_equal(ctl_opts_get(&o, "list"), "demo");
    assert_string_equal(o.positional[0], "c.csv");
    ctl_opts_free(&o);
}

static void test_every_subcommand_has_help(void **state)
{
    for (const struct ctl_subcommand *sc = ctl_subcommands; sc->words; sc++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        ctl_subcommand_help(sc, f);
        fclose(f);
        assert_non_null(strstr(buf, sc->words));
        assert_non_null(strstr(buf, "--timeout SECONDS"));
        assert_non_null(strstr(buf, "Exit status"));
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
            if (strlen(line) > CTL_HELP_WIDTH)
                fail_msg("help line of '%s' longer than %d: %s", sc->words, CTL_HELP_WIDTH, line);
        }
        assert_non_null(sc->run);
        free(buf);
    }
}

static void test_usage_lists_commands_within_width(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ctl_usage(f);
    fclose(f);
    assert_non_null(strstr(buf, "  campaign create "));
    assert_non_null(strstr(buf, "  watch ID "));
    assert_null(strstr(buf, "same as")); /* aliases are not listed twice */
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        assert_true(strlen(line) <= CTL_HELP_WIDTH);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_positionals),
        cmocka_unit_test(test_help_skips_positional_check),
        cmocka_unit_test(test_subcommand_options_are_scoped),
        cmocka_unit_test(test_every_subcommand_has_help),
        cmocka_unit_test(test_usage_lists_commands_within_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
