/*
 * test_copy.c - COPY text encoding escapes exactly what PostgreSQL requires.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analytics_copy.h"

static void assert_buf(const struct analytics_copybuf *b, const char *want)
{
    assert_int_equal(b->text.len, strlen(want));
    assert_memory_equal(b->text.data, want, b->text.len);
}

static void test_row(void **state)
{
    (void)state;
    struct analytics_copybuf b;
    analytics_copybuf_init(&b);
    analytics_copybuf_int(&b, 42, 1);
    analytics_copybuf_int(&b, 0, 0);
    analytics_copybuf_text(&b, "wamid.X");
    analytics_copybuf_text(&b, NULL);
    analytics_copybuf_int(&b, -9223372036854775807LL - 1, 1);
    analytics_copybuf_end_row(&b);
    assert_buf(&b, "42\t\\N\twamid.X\t\\N\t-9223372036854775808\n");
    assert_int_equal(b.rows, 1);
    analytics_copybuf_free(&b);
}

static void test_escapes(void **state)
{
    (void)state;
    struct analytics_copybuf b;
    analytics_copybuf_init(&b);
    analytics_copybuf_text(&b, "a\\b\tc\nd\re \\N");
    analytics_copybuf_text(&b, "");
    analytics_copybuf_end_row(&b);
    assert_buf(&b, "a\\\\b\\tc\\nd\\re \\\\N\t\n");
    analytics_copybuf_free(&b);
}

static void test_reset_and_growth(void **state)
{
    (void)state;
    struct analytics_copybuf b;
    analytics_copybuf_init(&b);
    char big[10000];
    memset(big, '\\', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    analytics_copybuf_text(&b, big);
    analytics_copybuf_end_row(&b);
    assert_int_equal(b.text.len, 2 * (sizeof big - 1) + 1);
    assert_int_equal(b.text.failed, 0);
    analytics_copybuf_reset(&b);
    assert_int_equal(b.text.len, 0);
    assert_int_equal(b.rows, 0);
    analytics_copybuf_int(&b, 7, 1);
    analytics_copybuf_end_row(&b);
    assert_buf(&b, "7\n");
    analytics_copybuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_reset_and_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
