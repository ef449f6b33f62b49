/*
 * test_ctl_result_json.c - --json's typing of PostgreSQL values, on results built client-side
 * with libpq's PQmakeEmptyPGresult/PQsetvalue (no server needed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_pg_oids.h"
#include "ctl_result_json.h"
#include "ctl_result_print.h"

struct col {
    const char *name;
    unsigned int oid;
};

/* A one-row-per-values result; values[i][c] NULL = SQL NULL. */
static PGresult *result(const struct col *cols, int ncols, const char *const *values, int nrows)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc attrs[16];
    memset(attrs, 0, sizeof attrs);
    for (int c = 0; c < ncols; c++) {
        attrs[c].name = (char *)cols[c].name;
        attrs[c].typid = cols[c].oid;
        attrs[c].typlen = -1;
        attrs[c].atttypmod = -1;
    }
    assert_int_equal(PQsetResultAttrs(res, ncols, attrs), 1);
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            const char *v = values[r * ncols + c];
            assert_int_equal(PQsetvalue(res, r, c, (char *)v, v ? (int)strlen(v) : -1), 1);
        }
    return res;
}

static char *dump(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

static void test_values_are_typed_by_column_type(void **state)
{
    (void)state;
    const struct col cols[] = {
        {"id", CTL_OID_INT8},      {"n2", CTL_OID_INT2},       {"n4", CTL_OID_INT4},
        {"rate", CTL_OID_FLOAT8},  {"whole", CTL_OID_NUMERIC}, {"huge", CTL_OID_NUMERIC},
        {"nan", CTL_OID_FLOAT8},   {"ok", CTL_OID_BOOL},       {"no", CTL_OID_BOOL},
        {"doc", CTL_OID_JSONB},    {"bad_doc", CTL_OID_JSON},  {"name", 25 /* text */},
        {"digits", 25 /* text */}, {"gone", CTL_OID_INT8},
    };
    const char *const values[] = {
        "42",         "-7",
        "2147483647", "0.953",
        "4000",       "123456789012345678901234567890",
        "NaN",        "t",
        "f",          "{\"a\": [1, \"x\"]}",
        "{oops",      "Spring \"sale\"",
        "0049",       NULL,
    };
    PGresult *res = result(cols, 14, values, 1);
    json_t *row = ctl_result_row_json(res, 0, NULL);
    /* reals by value: their printed digits are jansson's business */
    assert_true(json_is_real(json_object_get(row, "rate")));
    assert_true(json_real_value(json_object_get(row, "rate")) == 0.953);
    assert_true(json_is_real(json_object_get(row, "huge")));
    assert_true(json_real_value(json_object_get(row, "huge")) == 123456789012345678901234567890.0);
    json_object_del(row, "rate");
    json_object_del(row, "huge");
    char *s = dump(row);
    assert_string_equal(s, "{\"id\":42,\"n2\":-7,\"n4\":2147483647,\"whole\":4000,\"nan\":\"NaN\","
                           "\"ok\":true,\"no\":false,\"doc\":{\"a\":[1,\"x\"]},\"bad_doc\":"
                           "\"{oops\",\"name\":\"Spring \\\"sale\\\"\",\"digits\":\"0049\","
                           "\"gone\":null}");
    free(s);
    PQclear(res);
}

static void test_timestamps_become_rfc3339(void **state)
{
    (void)state;
    const struct col cols[] = {{"utc", CTL_OID_TIMESTAMPTZ},
                               {"whole_hours", CTL_OID_TIMESTAMPTZ},
                               {"half_hours", CTL_OID_TIMESTAMPTZ},
                               {"plain", CTL_OID_TIMESTAMP},
                               {"forever", CTL_OID_TIMESTAMPTZ}};
    const char *const values[] = {"2026-11-25 20:15:25.5+00", "2026-11-25 21:15:25-03",
                                  "2026-11-25 20:15:25+05:30", "2026-11-25 20:15:25", "infinity"};
    PGresult *res = result(cols, 5, values, 1);
    char *s = dump(ctl_result_row_json(res, 0, NULL));
    assert_string_equal(s, "{\"utc\":\"2026-11-25T20:15:25.5+00:00\","
                           "\"whole_hours\":\"2026-11-25T21:15:25-03:00\","
                           "\"half_hours\":\"2026-11-25T20:15:25+05:30\","
                           "\"plain\":\"2026-11-25T20:15:25\",\"forever\":\"infinity\"}");
    free(s);
    PQclear(res);
}

static void test_rows_skip_and_output_modes(void **state)
{
    (void)state;
    const struct col cols[] = {{"campaign_id", CTL_OID_INT8}, {"name", 25}};
    const char *const values[] = {"7", "Alpha", "9", NULL};
    PGresult *res = result(cols, 2, values, 2);
    char *s = dump(ctl_result_rows_json(res));
    assert_string_equal(s, "[{\"campaign_id\":7,\"name\":\"Alpha\"},"
                           "{\"campaign_id\":9,\"name\":null}]");
    free(s);
    const char *const skip[] = {"campaign_id", NULL};
    s = dump(ctl_result_row_json(res, 1, skip));
    assert_string_equal(s, "{\"name\":null}");
    free(s);

    assert_int_equal(ctl_output_choose(0, 0), CTL_OUTPUT_TABLE);
    assert_int_equal(ctl_output_choose(0, 1), CTL_OUTPUT_FIRST_COLUMN);
    assert_int_equal(ctl_output_choose(1, 1), CTL_OUTPUT_JSON);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(ctl_print_result(res, CTL_OUTPUT_FIRST_COLUMN, NULL, f), 0);
    assert_int_equal(ctl_print_result(res, CTL_OUTPUT_JSON, NULL, f), 0);
    fclose(f);
    assert_string_equal(buf,
                        "7\n9\n[\n  {\n    \"campaign_id\": 7,\n    \"name\": \"Alpha\"\n  },\n"
                        "  {\n    \"campaign_id\": 9,\n    \"name\": null\n  }\n]\n");
    free(buf);
    PQclear(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_are_typed_by_column_type),
        cmocka_unit_test(test_timestamps_become_rfc3339),
        cmocka_unit_test(test_rows_skip_and_output_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
