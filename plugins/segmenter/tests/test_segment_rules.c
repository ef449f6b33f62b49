/*
 * test_segment_rules.c - the audience compiler: right SQL shape, every value and key as a
 * parameter (never in the SQL text, whatever it contains), and a clear error for bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "segment_rules.h"

struct compiled {
    int rc;
    char *sql;
    struct sql_params params;
    char err[256];
};

static void compile_at(struct compiled *c, const char *json, int first)
{
    json_error_t jerr;
    json_t *aud = json_loads(json, JSON_ALLOW_NUL, &jerr);
    assert_non_null(aud);
    memset(c, 0, sizeof(*c));
    sql_params_init(&c->params, first);
    c->rc = segment_compile(aud, &c->params, &c->sql, c->err, sizeof(c->err));
    json_decref(aud);
}

static void compile(struct compiled *c, const char *json)
{
    compile_at(c, json, 1);
}

static void release(struct compiled *c)
{
    free(c->sql);
    sql_params_free(&c->params);
}

static void expect_error(const char *json, const char *fragment)
{
    struct compiled c;
    compile(&c, json);
    assert_int_equal(c.rc, -1);
    assert_null(c.sql);
    if (!strstr(c.err, fragment))
        fail_msg("error '%s' lacks '%s'", c.err, fragment);
    release(&c);
}

static void test_empty_audience_selects_everyone_not_opted_out(void **state)
{
    struct compiled c;
    compile(&c, "{}");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.sql, "(NOT c.opted_out)");
    assert_int_equal(c.params.count, 0);
    release(&c);
    /* NULL audience: same. */
    struct sql_params p;
    sql_params_init(&p, 1);
    char *sql = NULL, err[64];
    assert_int_equal(segment_compile(NULL, &p, &sql, err, sizeof(err)), 0);
    assert_string_equal(sql, "(NOT c.opted_out)");
    free(sql);
    sql_params_free(&p);
}

static void test_lists_become_bigint_array_params(void **state)
{
    struct compiled c;
    compile(&c, "{\"include_lists\":[1,22],\"exclude_lists\":[3]}");
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.params.count, 2);
    assert_string_equal(c.params.values[0], "{1,22}");
    assert_string_equal(c.params.values[1], "{3}");
    assert_non_null(strstr(c.sql, "EXISTS (SELECT 1 FROM contact_list_members m WHERE "
                                  "m.contact_id = c.id AND m.list_id = ANY($1::bigint[]))"));
    assert_non_null(strstr(c.sql, "AND NOT EXISTS"));
    assert_non_null(strstr(c.sql, "ANY($2::bigint[])"));
    assert_non_null(strstr(c.sql, "NOT c.opted_out"));
    release(&c);
}

/* A frequency cap: whoever had a campaign message accepted in the last N hours is left out;
 * the hours are a parameter, and nonsense is refused rather than ignored. */
static void test_frequency_cap_is_a_parameter_and_bounded(void **state)
{
    struct compiled c;
    compile(&c, "{\"include_lists\":[4],\"not_messaged_within_hours\":24}");
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.params.count, 2);
    assert_string_equal(c.params.values[1], "24");
    assert_non_null(strstr(c.sql, " AND NOT EXISTS (SELECT 1 FROM campaign_recipients fc WHERE "
                                  "fc.phone = c.phone AND (fc.accepted_at > now() - "
                                  "make_interval(hours => $2::int) OR (fc.state IN ('pending', "
                                  "'queued', 'sending', 'uncertain') AND EXISTS (SELECT 1 FROM "
                                  "campaigns fk WHERE fk.id = fc.campaign_id AND fk.status IN "
                                  "('running', 'paused')))))"));
    release(&c);
    compile(&c, "{\"not_messaged_within_hours\":null}");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.sql, "(NOT c.opted_out)");
    release(&c);
    const char *expected = "not_messaged_within_hours: expected a whole number of hours, 1 to 8760";
    expect_error("{\"not_messaged_within_hours\":0}", expected);
    expect_error("{\"not_messaged_within_hours\":8761}", expected);
    expect_error("{\"not_messaged_within_hours\":\"24\"}", expected);
    expect_error("{\"not_messaged_within_hours\":1.5}", expected);
}

/* Retargeting: the campaign id and the outcomes are parameters, the reply condition one of two
 * constant snippets; an outcome that does not exist is refused, never matched against. */
static void test_from_campaign_is_parameters_and_known_outcomes(void **state)
{
    struct compiled c;
    compile(&c, "{\"from_campaign\":{\"campaign_id\":42,\"outcomes\":[\"delivered\",\"sent\"],"
                "\"replied\":false}}");
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.params.count, 2);
    assert_string_equal(c.params.values[0], "42");
    assert_string_equal(c.params.values[1], "delivered,sent");
    assert_string_equal(c.sql, "(NOT c.opted_out AND EXISTS (SELECT 1 FROM "
                               "campaign_recipient_outcomes_of($1::bigint, $2::text) fc WHERE "
                               "fc.phone = c.phone AND fc.replies = 0))");
    release(&c);
    compile(&c, "{\"from_campaign\":{\"campaign_id\":7,\"replied\":true}}");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.params.values[1], "");
    assert_non_null(strstr(c.sql, "fc.phone = c.phone AND fc.replies > 0))"));
    release(&c);
    compile(&c, "{\"from_campaign\":{\"campaign_id\":7}}");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.sql, "fc.phone = c.phone))"));
    release(&c);
    expect_error("{\"from_campaign\":7}", "from_campaign: expected {\"campaign_id\": N");
    expect_error("{\"from_campaign\":{\"outcomes\":[\"read\"]}}",
                 "from_campaign.campaign_id: expected a campaign id");
    expect_error("{\"from_campaign\":{\"campaign_id\":0}}", "from_campaign.campaign_id");
    expect_error("{\"from_campaign\":{\"campaign_id\":\"7\"}}", "from_campaign.campaign_id");
    expect_error("{\"from_campaign\":{\"campaign_id\":7,\"outcomes\":[\"read\",\"opened\"]}}",
                 "from_campaign.outcomes[1]: unknown outcome (one of: pending, queued");
    expect_error("{\"from_campaign\":{\"campaign_id\":7,\"outcomes\":[]}}",
                 "from_campaign.outcomes: expected a non-empty array");
    expect_error("{\"from_campaign\":{\"campaign_id\":7,\"outcomes\":\"read\"}}",
                 "from_campaign.outcomes: expected a non-empty array");
    expect_error("{\"from_campaign\":{\"campaign_id\":7,\"replied\":\"no\"}}",
                 "from_campaign.replied: expected true or false");
    expect_error("{\"from_campaign\":{\"campaign_id\":7,\"since\":1}}",
                 "from_campaign: unknown key 'since'");
}

static void test_empty_lists_add_no_condition(void **state)
{
    struct compiled c;
    compile(&c, "{\"include_lists\":[],\"exclude_lists\":[]}");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.sql, "(NOT c.opted_out)");
    release(&c);
}

static void test_attr_eq_key_and_value_are_parameters(void **state)
{
    struct compiled c;
    compile(&c, "{\"rules\":{\"all\":[{\"attr\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}]}}");
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.params.count, 2);
    assert_string_equal(c.params.values[0], "city");
    assert_string_equal(c.params.values[1], "Berlin");
    assert_non_null(strstr(c.sql, "(c.attributes ->> $1::text) = $2::text"));
    assert_null(strstr(c.sql, "city"));
    assert_null(strstr(c.sql, "Berlin"));
    release(&c);
}

static void test_numbers_and_booleans_compare_as_their_json_text(void **state)
{
    struct compiled c;
    compile(&c, "{\"rules\":{\"any\":[{\"attr\":\"n\",\"op\":\"eq\",\"value\":5},"
                "{\"attr\":\"b\",\"op\":\"ne\",\"value\":true}]}}");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.params.values[1], "5");
    assert_string_equal(c.params.values[3], "true");
    assert_non_null(strstr(c.sql, " OR "));
    assert_non_null(strstr(c.sql, "IS DISTINCT FROM $4::text"));
    release(&c);
}

static void test_sql_injection_in_values_keys_and_lists_never_reaches_sql(void **state)
{
    const char *evil = "x'); DROP TABLE contacts; --";
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"rules\":{\"all\":[{\"attr\":\"%s\",\"op\":\"eq\",\"value\":\"%s\"},"
             "{\"field\":\"name\",\"op\":\"contains\",\"value\":\"%s\"},"
             "{\"op\":\"has_tag\",\"value\":\"%s\"},"
             "{\"attr\":\"a\",\"op\":\"in\",\"value\":[\"%s\",\"ok\"]}]}}",
             evil, evil, evil, evil, evil);
    struct compiled c;
    compile(&c, json);
    assert_int_equal(c.rc, 0);
    assert_null(strstr(c.sql, "DROP"));
    assert_null(strstr(c.sql, "--"));
    assert_null(strchr(c.sql + strlen("(NOT c.opted_out"), ';'));
    assert_string_equal(c.params.values[0], evil);
    assert_string_equal(c.params.values[1], evil);
    assert_string_equal(c.params.values[2], evil);
    assert_string_equal(c.params.values[3], evil);
    /* the `in` list travels as one JSON array parameter */
    json_t *arr = json_loads(c.params.values[5], 0, NULL);
    assert_non_null(arr);
    assert_string_equal(json_string_value(json_array_get(arr, 0)), evil);
    json_decref(arr);
    release(&c);
    expect_error("{\"include_lists\":[\"1); DROP TABLE x; --\"]}", "positive integers");
    expect_error("{\"include_lists\":[1.5]}", "positive integers");
    expect_error("{\"exclude_lists\":[-1]}", "positive integers");
    expect_error("{\"rules\":{\"all\":[{\"attr\":\"a\",\"op\":\"gt\",\"value\":\"1; DROP\"}]}}",
                 "needs a number");
    expect_error("{\"rules\":{\"all\":[{\"attr\":\"a\",\"op\":\"before\",\"value\":"
                 "\"2024-01-01'; DROP\"}]}}",
                 "ISO 8601");
}

static void test_op_names_are_not_sql(void **state)
{
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"= 1 OR 1=1 --\",\"value\":\"x\"}}",
                 "unknown op");
    expect_error("{\"rules\":{\"field\":\"c.id; --\",\"op\":\"eq\",\"value\":\"x\"}}",
                 "'field' must be one of name, phone, tags");
}

static void test_embedded_nul_is_refused(void **state)
{
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"eq\",\"value\":\"x\\u0000y\"}}",
                 "needs a string, number or boolean");
    expect_error("{\"rules\":{\"attr\":\"a\\u0000b\",\"op\":\"exists\"}}", "'attr' must be");
}

static void test_nested_groups_and_not(void **state)
{
    struct compiled c;
    compile(&c, "{\"rules\":{\"all\":[{\"any\":[{\"op\":\"has_tag\",\"value\":\"vip\"},"
                "{\"attr\":\"age\",\"op\":\"gte\",\"value\":30}]},"
                "{\"not\":{\"field\":\"name\",\"op\":\"not_exists\"}}]}}");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.sql, "((c.tags @> ARRAY[$1::text]) OR "
                                  "(herald_try_numeric(c.attributes ->> $2::text) >= "
                                  "$3::numeric))"));
    assert_non_null(strstr(c.sql, "NOT ((coalesce(c.name = '', true)))"));
    release(&c);
}

static void test_empty_groups(void **state)
{
    struct compiled c;
    compile(&c, "{\"rules\":{\"all\":[]}}");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.sql, "(NOT c.opted_out AND TRUE)");
    release(&c);
    compile(&c, "{\"rules\":{\"any\":[]}}");
    assert_string_equal(c.sql, "(NOT c.opted_out AND FALSE)");
    release(&c);
}

static void test_every_op_on_attributes(void **state)
{
    static const char *const cases[][3] = {
        {"in", "[\"a\",1]", "IN (SELECT jsonb_array_elements_text($2::jsonb))"},
        {"contains", "\"x\"", "@> jsonb_build_array($2::text)"},
        {"starts_with", "\"49\"", "starts_with(c.attributes ->> $1::text, $2::text)"},
        {"exists", NULL, "(c.attributes ? $1::text)"},
        {"not_exists", NULL, "NOT (c.attributes ? $1::text)"},
        {"gt", "1", "> $2::numeric"},
        {"gte", "\"2.5\"", ">= $2::numeric"},
        {"lt", "-3", "< $2::numeric"},
        {"lte", "1e3", "<= $2::numeric"},
        {"before", "\"2025-01-31\"", "herald_try_timestamptz(c.attributes ->> $1::text) < "},
        {"after", "\"2025-01-31T10:00:00Z\"", "> $2::timestamptz"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[256];
        if (cases[i][1])
            snprintf(json, sizeof(json), "{\"rules\":{\"attr\":\"k\",\"op\":\"%s\",\"value\":%s}}",
                     cases[i][0], cases[i][1]);
        else
            snprintf(json, sizeof(json), "{\"rules\":{\"attr\":\"k\",\"op\":\"%s\"}}", cases[i][0]);
        struct compiled c;
        compile(&c, json);
        if (c.rc != 0 || !strstr(c.sql, cases[i][2]))
            fail_msg("op %s: rc %d err '%s' sql '%s'", cases[i][0], c.rc, c.err,
                     c.sql ? c.sql : "");
        assert_int_equal(c.params.count, cases[i][1] ? 2 : 1);
        release(&c);
    }
}

static void test_fields(void **state)
{
    struct compiled c;
    compile(&c, "{\"rules\":{\"all\":[{\"field\":\"phone\",\"op\":\"starts_with\",\"value\":"
                "\"49\"},{\"field\":\"tags\",\"op\":\"in\",\"value\":[\"a\",\"b\"]},"
                "{\"field\":\"tags\",\"op\":\"exists\"},{\"field\":\"name\",\"op\":\"eq\","
                "\"value\":\"Asha\"}]}}");
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.sql, "starts_with(c.phone, $1::text)"));
    assert_non_null(strstr(c.sql, "c.tags && ARRAY(SELECT jsonb_array_elements_text($2::jsonb))"));
    assert_non_null(strstr(c.sql, "cardinality(c.tags) > 0"));
    assert_non_null(strstr(c.sql, "c.name = $3::text"));
    assert_int_equal(c.params.count, 3);
    release(&c);
}

static void test_ops_that_do_not_fit_the_target_are_refused(void **state)
{
    expect_error("{\"rules\":{\"field\":\"tags\",\"op\":\"gt\",\"value\":1}}",
                 "does not apply to this field");
    expect_error("{\"rules\":{\"field\":\"phone\",\"op\":\"exists\"}}", "does not apply");
    expect_error("{\"rules\":{\"attr\":\"x\",\"op\":\"has_tag\",\"value\":\"v\"}}",
                 "does not apply to this attribute");
    expect_error("{\"rules\":{\"op\":\"eq\",\"value\":\"v\"}}", "needs 'attr'");
    expect_error("{\"rules\":{\"attr\":\"a\",\"field\":\"name\",\"op\":\"eq\",\"value\":1}}",
                 "either 'attr' or 'field'");
}

static void test_bad_values(void **state)
{
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"eq\"}}", "needs a 'value'");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"eq\",\"value\":null}}", "needs a string");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"eq\",\"value\":[1]}}", "needs a string");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"in\",\"value\":[]}}", "non-empty array");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"in\",\"value\":[{}]}}", "'in' values");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"contains\",\"value\":1}}",
                 "needs a string value");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"gt\",\"value\":\"1e9999\"}}",
                 "needs a number");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"gt\",\"value\":\"abc\"}}", "needs a number");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"after\",\"value\":\"2025-13-01\"}}",
                 "ISO 8601");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"after\",\"value\":20250101}}", "ISO 8601");
    expect_error("{\"rules\":{\"attr\":\"\",\"op\":\"exists\"}}", "'attr' must be");
    expect_error("{\"rules\":{\"attr\":\"a\",\"op\":\"eq\",\"value\":1,\"extra\":2}}",
                 "unknown key 'extra'");
}

static void test_structure_errors_name_the_path(void **state)
{
    expect_error("[]", "audience: expected an object");
    expect_error("{\"include\":[1]}", "unknown key 'include'");
    expect_error("{\"include_lists\":5}", "include_lists: expected an array");
    expect_error("{\"rules\":{\"all\":{}}}", "rules.all: expected an array");
    expect_error("{\"rules\":{\"all\":[1]}}", "rules.all[0]: expected an object");
    expect_error("{\"rules\":{\"all\":[],\"any\":[]}}", "exactly one key");
    expect_error("{\"rules\":{\"any\":[{\"attr\":\"a\",\"op\":\"eq\",\"value\":1},"
                 "{\"attr\":\"b\",\"op\":\"bogus\"}]}}",
                 "rules.any[1]: unknown op 'bogus'");
}

static void test_depth_and_size_limits(void **state)
{
    char json[4096] = "{\"rules\":";
    for (int i = 0; i < SEGMENT_MAX_DEPTH + 1; i++)
        strcat(json, "{\"not\":");
    strcat(json, "{\"attr\":\"a\",\"op\":\"exists\"}");
    for (int i = 0; i < SEGMENT_MAX_DEPTH + 1; i++)
        strcat(json, "}");
    strcat(json, "}");
    expect_error(json, "nested deeper");

    json_t *all = json_array();
    for (int i = 0; i < SEGMENT_MAX_RULES + 1; i++)
        json_array_append_new(all, json_pack("{s:s,s:s}", "attr", "a", "op", "exists"));
    json_t *aud = json_pack("{s:{s:o}}", "rules", "all", all);
    char *text = json_dumps(aud, 0);
    json_decref(aud);
    expect_error(text, "more than 256 rules");
    free(text);
}

static void test_parameters_number_from_first(void **state)
{
    struct compiled c;
    compile_at(&c, "{\"include_lists\":[7],\"rules\":{\"attr\":\"a\",\"op\":\"eq\",\"value\":1}}",
               4);
    assert_int_equal(c.rc, 0);
    assert_non_null(strstr(c.sql, "$4::bigint[]"));
    assert_non_null(strstr(c.sql, "$5::text) = $6::text"));
    assert_null(strstr(c.sql, "$1"));
    release(&c);
}

static void test_validate(void **state)
{
    char err[128];
    json_t *ok = json_loads("{\"rules\":{\"op\":\"has_tag\",\"value\":\"x\"}}", 0, NULL);
    json_t *bad = json_loads("{\"rules\":{\"op\":\"has_tag\"}}", 0, NULL);
    assert_int_equal(segment_validate(ok, err, sizeof(err)), 0);
    assert_int_equal(segment_validate(bad, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "needs a 'value'"));
    json_decref(ok);
    json_decref(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_audience_selects_everyone_not_opted_out),
        cmocka_unit_test(test_lists_become_bigint_array_params),
        cmocka_unit_test(test_frequency_cap_is_a_parameter_and_bounded),
        cmocka_unit_test(test_from_campaign_is_parameters_and_known_outcomes),
        cmocka_unit_test(test_empty_lists_add_no_condition),
        cmocka_unit_test(test_attr_eq_key_and_value_are_parameters),
        cmocka_unit_test(test_numbers_and_booleans_compare_as_their_json_text),
        cmocka_unit_test(test_sql_injection_in_values_keys_and_lists_never_reaches_sql),
        cmocka_unit_test(test_op_names_are_not_sql),
        cmocka_unit_test(test_embedded_nul_is_refused),
        cmocka_unit_test(test_nested_groups_and_not),
        cmocka_unit_test(test_empty_groups),
        cmocka_unit_test(test_every_op_on_attributes),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_ops_that_do_not_fit_the_target_are_refused),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_structure_errors_name_the_path),
        cmocka_unit_test(test_depth_and_size_limits),
        cmocka_unit_test(test_parameters_number_from_first),
        cmocka_unit_test(test_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
