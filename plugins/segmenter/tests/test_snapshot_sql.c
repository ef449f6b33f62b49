/*
 * test_snapshot_sql.c - the snapshot statement: $1 is the campaign, audience and template
 * values follow as parameters, order and dedupe come from the statement's shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snapshot_sql.h"

static void test_statement_shape(void **state)
{
    json_t *aud = json_loads("{\"include_lists\":[4],\"rules\":{\"attr\":\"city\",\"op\":\"eq\","
                             "\"value\":\"Berlin\"}}",
                             0, NULL);
    json_t *map = json_loads("[\"name\",\"attributes.discount\"]", 0, NULL);
    struct sql_params p;
    sql_params_init(&p, 2);
    char err[128];
    char *sql = snapshot_sql(aud, map, &p, err, sizeof(err));
    assert_non_null(sql);
    assert_non_null(strstr(sql, "SELECT $1::bigint, row_number() OVER (ORDER BY c.id), c.id, "
                                "c.phone, c.name, jsonb_build_array(coalesce(c.name, ''), "
                                "coalesce(c.attributes ->> $5::text, '')) FROM contacts c WHERE "
                                "(NOT c.opted_out AND EXISTS"));
    assert_non_null(strstr(sql, "ANY($2::bigint[])"));
    assert_non_null(strstr(sql, "(c.attributes ->> $3::text) = $4::text"));
    assert_null(strstr(sql, "Berlin"));
    assert_null(strstr(sql, "discount"));
    assert_int_equal(p.count, 4);
    assert_string_equal(p.values[3], "discount");
    free(sql);
    sql_params_free(&p);
    json_decref(aud);
    json_decref(map);
}

static void test_errors(void **state)
{
    json_t *aud = json_loads("{\"rules\":{\"op\":\"nope\"}}", 0, NULL);
    json_t *map = json_array();
    struct sql_params p;
    char err[128];
    sql_params_init(&p, 2);
    assert_null(snapshot_sql(aud, map, &p, err, sizeof(err)));
    assert_non_null(strstr(err, "unknown op"));
    sql_params_free(&p);
    sql_params_init(&p, 1);
    json_t *empty = json_object();
    assert_null(snapshot_sql(empty, map, &p, err, sizeof(err)));
    json_decref(empty);
    assert_non_null(strstr(err, "$2"));
    sql_params_free(&p);
    json_decref(aud);
    json_decref(map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statement_shape),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
