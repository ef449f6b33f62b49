/*
 * test_template_params.c - template mapping validation and its SQL (keys, literals as $n).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template_params.h"

static void test_compiles_every_kind(void **state)
{
    json_t *m = json_loads("[\"name\",\"phone\",\"attributes.discount\",\"='; DROP x\"]", 0, NULL);
    struct sql_params p;
    sql_params_init(&p, 3);
    char *expr = NULL, err[128];
    assert_int_equal(template_params_sql(m, &p, &expr, err, sizeof(err)), 0);
    assert_string_equal(expr, "jsonb_build_array(coalesce(c.name, ''), c.phone, "
                              "coalesce(c.attributes ->> $3::text, ''), $4::text)");
    assert_int_equal(p.count, 2);
    assert_string_equal(p.values[0], "discount");
    assert_string_equal(p.values[1], "'; DROP x");
    free(expr);
    sql_params_free(&p);
    json_decref(m);
}

static void test_empty_mapping(void **state)
{
    json_t *m = json_array();
    struct sql_params p;
    sql_params_init(&p, 1);
    char *expr = NULL, err[128];
    assert_int_equal(template_params_sql(m, &p, &expr, err, sizeof(err)), 0);
    assert_string_equal(expr, "jsonb_build_array()");
    free(expr);
    sql_params_free(&p);
    json_decref(m);
}

static void test_refuses_unknown_entries(void **state)
{
    static const char *const bad[] = {"[\"email\"]", "[\"attributes.\"]", "[1]", "{}",
                                      "[\"name\",\"Name\"]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *m = json_loads(bad[i], 0, NULL);
        char err[128] = "";
        assert_int_equal(template_params_validate(m, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "template.params"));
        json_decref(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiles_every_kind),
        cmocka_unit_test(test_empty_mapping),
        cmocka_unit_test(test_refuses_unknown_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
