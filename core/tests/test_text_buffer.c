/*
 * test_text_buffer.c - the plugins' shared text buffer: appends past the first allocation
 * keep every byte and the NUL, printf appends, an impossible reservation poisons the buffer
 * (later appends ignored, take returns NULL) until clear, take hands over "" when empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "herald/text_buffer.h"

static void test_growth_keeps_bytes_and_nul(void **state)
{
    (void)state;
    struct text_buffer b;
    text_buffer_init(&b);
    for (int i = 0; i < 1000; i++)
        text_buffer_putc(&b, (char)('a' + i % 26));
    text_buffer_puts(&b, "|end");
    text_buffer_printf(&b, "|%d-%s", 42, "x");
    assert_int_equal(b.len, 1000 + 4 + 5);
    assert_int_equal(strlen(b.data), b.len);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[25], 'z');
    assert_string_equal(b.data + 1000, "|end|42-x");
    char *text = text_buffer_take(&b);
    assert_non_null(text);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(strlen(text), 1009);
    free(text);
}

static void test_failure_is_sticky_until_clear(void **state)
{
    (void)state;
    struct text_buffer b;
    text_buffer_init(&b);
    text_buffer_puts(&b, "kept");
    assert_int_equal(text_buffer_reserve(&b, SIZE_MAX - 2), -1);
    assert_true(b.failed);
    text_buffer_puts(&b, "ignored");
    assert_int_equal(b.len, 4);
    text_buffer_clear(&b);
    assert_false(b.failed);
    assert_int_equal(b.len, 0);
    text_buffer_puts(&b, "again");
    assert_string_equal(b.data, "again");
    assert_int_equal(text_buffer_reserve(&b, SIZE_MAX / 2), -1);
    assert_null(text_buffer_take(&b)); /* frees what it held */
    assert_null(b.data);
    assert_false(b.failed);
}

static void test_take_of_empty_is_empty_string(void **state)
{
    (void)state;
    struct text_buffer b = {0};
    char *text = text_buffer_take(&b);
    assert_non_null(text);
    assert_string_equal(text, "");
    free(text);
    text_buffer_free(&b); /* harmless on an empty buffer */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_growth_keeps_bytes_and_nul),
        cmocka_unit_test(test_failure_is_sticky_until_clear),
        cmocka_unit_test(test_take_of_empty_is_empty_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
