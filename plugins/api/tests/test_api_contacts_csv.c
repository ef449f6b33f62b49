/*
 * test_api_contacts_csv.c - CSV import parsing: columns, normalisation, rejects by row,
 * duplicates (last wins), quoting, BOM, and files refused as a whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "api_contacts_csv.h"

static int parse(const char *csv, struct api_csv_result *r)
{
    return api_contacts_csv_parse(csv, strlen(csv), r);
}

static void phones(void **state)
{
    char out[16];
    assert_int_equal(api_phone_normalise("+49 151-123 45678", out), 0);
    assert_string_equal(out, "4915112345678");
    assert_int_equal(api_phone_normalise("(1) 555.000.1234", out), 0);
    assert_string_equal(out, "15550001234");
    const char *bad[] = {NULL,
                         "",
                         "0151123456",
                         "+",
                         "1234567",
                         "1234567890123456",
                         "49+151234567",
                         "4915x12345678",
                         "++4915112345678"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(api_phone_normalise(bad[i], out), -1);
}

static void rows_attributes_tags(void **state)
{
    struct api_csv_result r;
    const char *csv = "\xef\xbb\xbfPhone,Name,city,tags\r\n"
                      "+4915112345678,Asha,Berlin,vip; early \r\n"
                      "4915100000002,\"Müller, Jo\",\"Ham\"\"burg\",\r\n"
                      "\r\n"
                      "12,Bad,,\r\n"
                      "4915112345678,Asha K,,\r\n";
    assert_int_equal(parse(csv, &r), 0);
    assert_int_equal(json_array_size(r.rows), 2);
    assert_int_equal(r.rejected, 1);
    json_t *rej = json_array_get(r.rejects, 0);
    assert_int_equal(json_integer_value(json_object_get(rej, "line")),
                     4);                       /* records, blank lines not counted */
    json_t *first = json_array_get(r.rows, 0); /* replaced by the later duplicate */
    assert_string_equal(json_string_value(json_object_get(first, "phone")), "4915112345678");
    assert_string_equal(json_string_value(json_object_get(first, "name")), "Asha K");
    assert_int_equal(json_object_size(json_object_get(first, "attributes")), 0);
    json_t *second = json_array_get(r.rows, 1);
    assert_string_equal(json_string_value(json_object_get(second, "name")), "Müller, Jo");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(second, "attributes"), "city")),
        "Ham\"burg");
    api_csv_result_free(&r);

    assert_int_equal(parse("phone,tags\n4915112345678, vip ;;early\n", &r), 0);
    json_t *tags = json_object_get(json_array_get(r.rows, 0), "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "vip");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "early");
    assert_true(json_is_null(json_object_get(json_array_get(r.rows, 0), "name")));
    api_csv_result_free(&r);
}

static void invalid_utf8_row_is_rejected(void **state)
{
    struct api_csv_result r;
    assert_int_equal(parse("phone,name\n4915112345678,\xff\xfe\n4915112345679,ok\n", &r), 0);
    assert_int_equal(json_array_size(r.rows), 1);
    assert_int_equal(r.rejected, 1);
    api_csv_result_free(&r);
}

static void whole_file_refusals(void **state)
{
    struct api_csv_result r;
    assert_int_equal(parse("", &r), -1);
    assert_true(strlen(r.error) > 0);
    assert_int_equal(parse("name,city\nA,B\n", &r), -1);
    assert_non_null(strstr(r.error, "phone"));
    assert_int_equal(parse("phone,name\n4915112345678,\"unterminated\n", &r), -1);
    assert_non_null(strstr(r.error, "malformed"));
}

static void many_rejects_are_capped(void **state)
{
    char csv[20000] = "phone\n";
    for (int i = 0; i < 500; i++)
        strcat(csv, "bad\n");
    struct api_csv_result r;
    assert_int_equal(parse(csv, &r), 0);
    assert_int_equal(r.rejected, 500);
    assert_int_equal(json_array_size(r.rejects), API_CSV_MAX_REJECTS_REPORTED);
    api_csv_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phones),
        cmocka_unit_test(rows_attributes_tags),
        cmocka_unit_test(invalid_utf8_row_is_rejected),
        cmocka_unit_test(whole_file_refusals),
        cmocka_unit_test(many_rejects_are_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
