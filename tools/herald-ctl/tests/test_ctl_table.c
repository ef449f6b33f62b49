/*
 * test_ctl_table.c - exact table output: alignment, NULLs, UTF-8 widths, truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_table.h"

static char *render(struct ctl_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ctl_table_print(t, f);
    fclose(f);
    return buf;
}

static void test_alignment_and_nulls(void **state)
{
    const char *headers[] = {"id", "name", "sent"};
    struct ctl_table *t = ctl_table_new(3, headers);
    const char *r1[] = {"7", "Spring", "12000"};
    const char *r2[] = {"12", NULL, "5"};
    assert_int_equal(ctl_table_add_row(t, r1), 0);
    assert_int_equal(ctl_table_add_row(t, r2), 0);
    assert_int_equal(ctl_table_rows(t), 2);
    char *out = render(t);
    assert_string_equal(out, "id  name     sent\n"
                             "--  ------  -----\n"
                             " 7  Spring  12000\n"
                             "12  -           5\n");
    free(out);
    ctl_table_free(t);
}

static void test_utf8_and_truncation(void **state)
{
    const char *headers[] = {"name", "n"};
    struct ctl_table *t = ctl_table_new(2, headers);
    ctl_table_set_max_width(t, 8);
    const char *r1[] = {"Müller", "1.5"};
    const char *r2[] = {"A very long campaign name", "-2"};
    ctl_table_add_row(t, r1);
    ctl_table_add_row(t, r2);
    char *out = render(t);
    assert_string_equal(out, "name        n\n"
                             "--------  ---\n"
                             "Müller    1.5\n"
                             "A ver...   -2\n");
    free(out);
    ctl_table_free(t);
}

static void test_helpers(void **state)
{
    assert_int_equal(ctl_utf8_width("Müller"), 6);
    assert_int_equal(ctl_utf8_width(""), 0);
    assert_true(ctl_looks_numeric("42"));
    assert_true(ctl_looks_numeric("-3.5"));
    assert_true(ctl_looks_numeric("12.0%"));
    assert_true(ctl_looks_numeric(".5"));
    assert_false(ctl_looks_numeric("4915100000001x"));
    assert_false(ctl_looks_numeric("running"));
    assert_false(ctl_looks_numeric("-"));
    assert_false(ctl_looks_numeric("2026-11-25 20:00"));
    assert_null(ctl_table_new(0, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_nulls),
        cmocka_unit_test(test_utf8_and_truncation),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
