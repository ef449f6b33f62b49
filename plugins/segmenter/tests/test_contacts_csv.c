/*
 * test_contacts_csv.c - CSV header/row checks and the COPY text they produce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "contacts_csv.h"

static void header(struct csv_header *h, char *const *cols, size_t n)
{
    char err[128];
    assert_int_equal(csv_header_parse(h, cols, n, err, sizeof(err)), 0);
}

static void test_header(void **state)
{
    struct csv_header h;
    char *cols[] = {" Phone ", "name", "TAGS", "city", "opted_out"};
    header(&h, cols, 5);
    assert_int_equal(h.phone, 0);
    assert_int_equal(h.name, 1);
    assert_int_equal(h.tags, 2);
    assert_int_equal(h.opted_out, 4);
    assert_string_equal(h.names[0], "Phone");
    csv_header_free(&h);

    char err[128];
    char *nophone[] = {"name", "city"};
    assert_int_equal(csv_header_parse(&h, nophone, 2, err, sizeof(err)), -1);
    assert_string_equal(err, "header has no 'phone' column");
    csv_header_free(&h);
    char *twice[] = {"phone", "city", "City"};
    assert_int_equal(csv_header_parse(&h, twice, 3, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "appears twice"));
    csv_header_free(&h);
}

static void test_row_to_copy(void **state)
{
    struct csv_header h;
    char *cols[] = {"phone", "name", "tags", "city", "note"};
    header(&h, cols, 5);
    char *row[] = {"+49 151 1234-5678", "Ana\tB\\", " vip ; new;; ", "Berlin", ""};
    struct text_buffer b;
    text_buffer_init(&b);
    char phone[PHONE_BUF_SIZE], err[128];
    assert_int_equal(csv_row_to_copy(&h, row, 5, &b, phone, err, sizeof(err)), 0);
    assert_string_equal(phone, "4915112345678");
    assert_string_equal(b.data, "4915112345678\tAna\\tB\\\\\tvip;new\tf\t{\"city\":\"Berlin\"}\n");
    text_buffer_free(&b);

    char *noname[] = {"4915112345679", "", "", "", "x\ny"};
    assert_int_equal(csv_row_to_copy(&h, noname, 5, &b, phone, err, sizeof(err)), 0);
    assert_string_equal(b.data, "4915112345679\t\\N\t\tf\t{\"note\":\"x\\\\ny\"}\n");
    text_buffer_free(&b);
    csv_header_free(&h);
}

static void test_row_rejections(void **state)
{
    struct csv_header h;
    char *cols[] = {"phone", "name", "opted_out"};
    header(&h, cols, 3);
    struct text_buffer b;
    text_buffer_init(&b);
    char phone[PHONE_BUF_SIZE], err[128];
    char *shortrow[] = {"4915112345678", "x"};
    assert_int_equal(csv_row_to_copy(&h, shortrow, 2, &b, phone, err, sizeof(err)), -1);
    assert_string_equal(err, "missing column 'opted_out' (2 of 3 fields)");
    char *longrow[] = {"4915112345678", "x", "no", "extra"};
    assert_int_equal(csv_row_to_copy(&h, longrow, 4, &b, phone, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "4 fields but the header has 3"));
    char *badphone[] = {"0151 123", "x", "no"};
    assert_int_equal(csv_row_to_copy(&h, badphone, 3, &b, phone, err, sizeof(err)), -1);
    assert_string_equal(err, "bad phone '0151 123': no country code");
    char *badbool[] = {"4915112345678", "x", "maybe"};
    assert_int_equal(csv_row_to_copy(&h, badbool, 3, &b, phone, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad opted_out"));
    char *badutf[] = {"4915112345678", "\xff\xfe", "1"};
    assert_int_equal(csv_row_to_copy(&h, badutf, 3, &b, phone, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not valid UTF-8"));
    assert_int_equal(b.len, 0); /* nothing appended for rejected rows */
    char *optout[] = {"4915112345678", "x", "YES"};
    assert_int_equal(csv_row_to_copy(&h, optout, 3, &b, phone, err, sizeof(err)), 0);
    assert_string_equal(b.data, "4915112345678\tx\t\tt\t{}\n");
    text_buffer_free(&b);
    csv_header_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_row_to_copy),
        cmocka_unit_test(test_row_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
