/*
 * test_api_validate.c - campaign definitions (create and update) and schedule bodies: what is
 * accepted, what is normalised, and that every refusal names the offending field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "api_campaign_validate.h"

#define NOW 1795636800LL /* 2026-11-25T20:00:00Z */

static const char *GOOD =
    "{\"name\":\"Spring sale\",\"phone_number_id\":\"1098765\","
    "\"template\":{\"name\":\"spring_sale\",\"language\":\"en\","
    "\"params\":[\"name\",\"attributes.discount\"]},"
    "\"audience\":{\"include_lists\":[1],\"exclude_lists\":[3],"
    "\"rules\":{\"all\":[{\"attr\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}]}},"
    "\"rate_limit_per_second\":null}";

static json_t *load(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    return j;
}

static void expect_error(const char *body, int partial, const char *field)
{
    json_t *in = load(body);
    struct api_field_error err = {{0}, {0}};
    json_t *out = api_campaign_validate(in, partial, &err);
    if (out)
        fail_msg("accepted: %s", body);
    assert_string_equal(err.field, field);
    assert_true(strlen(err.message) > 0);
    json_decref(in);
}

static void accepts_full_definition(void **state)
{
    json_t *in = load(GOOD);
    struct api_field_error err;
    json_t *out = api_campaign_validate(in, 0, &err);
    assert_non_null(out);
    assert_true(json_equal(in, out));
    json_decref(out);
    json_decref(in);
}

static void fills_defaults_on_create(void **state)
{
    json_t *in = load("{\"name\":\"n\",\"phone_number_id\":\"1\",\"template\":{\"name\":\"t\"},"
                      "\"audience\":{\"include_lists\":[2]}}");
    struct api_field_error err;
    json_t *out = api_campaign_validate(in, 0, &err);
    assert_non_null(out);
    json_t *t = json_object_get(out, "template");
    assert_string_equal(json_string_value(json_object_get(t, "language")), "en");
    assert_int_equal(json_array_size(json_object_get(t, "params")), 0);
    assert_true(json_is_null(json_object_get(out, "rate_limit_per_second")));
    json_decref(out);
    json_decref(in);
}

static void max_failure_rate_is_passed_on(void **state)
{
    json_t *in = load("{\"max_failure_rate\":0.2}");
    struct api_field_error err;
    json_t *out = api_campaign_validate(in, 1, &err);
    assert_non_null(out);
    assert_true(json_real_value(json_object_get(out, "max_failure_rate")) == 0.2);
    json_decref(out);
    json_decref(in);
    in = load("{\"max_failure_rate\":null}");
    out = api_campaign_validate(in, 1, &err);
    assert_non_null(out);
    assert_true(json_is_null(json_object_get(out, "max_failure_rate")));
    json_decref(out);
    json_decref(in);
}

static void update_keeps_only_given_fields(void **state)
{
    json_t *in = load("{\"rate_limit_per_second\":12.5,\"template\":{\"params\":[\"=hi\"]}}");
    struct api_field_error err;
    json_t *out = api_campaign_validate(in, 1, &err);
    assert_non_null(out);
    assert_int_equal(json_object_size(out), 2);
    json_t *t = json_object_get(out, "template");
    assert_int_equal(json_object_size(t), 1);
    assert_null(json_object_get(t, "language"));
    json_decref(out);
    json_decref(in);
}

static void refusals_name_the_field(void **state)
{
    expect_error("[]", 0, "");
    expect_error("{}", 1, "");
    expect_error("{\"phone_number_id\":\"1\",\"template\":{\"name\":\"t\"},\"audience\":"
                 "{\"include_lists\":[1]}}",
                 0, "name");
    expect_error("{\"name\":\"n\",\"template\":{\"name\":\"t\"},\"audience\":"
                 "{\"include_lists\":[1]}}",
                 0, "phone_number_id");
    expect_error("{\"name\":\"n\",\"phone_number_id\":\"1\",\"audience\":{\"include_lists\":[1]}}",
                 0, "template");
    expect_error("{\"name\":\"n\",\"phone_number_id\":\"1\",\"template\":{\"name\":\"t\"}}", 0,
                 "audience");
    expect_error("{\"name\":\"  \"}", 1, "name");
    expect_error("{\"name\":5}", 1, "name");
    expect_error("{\"phone_number_id\":1098765}", 1, "phone_number_id");
    expect_error("{\"phone_number_id\":\"12a\"}", 1, "phone_number_id");
    expect_error("{\"template\":{\"name\":\"Spring Sale\"}}", 1, "template.name");
    expect_error("{\"template\":{\"name\":\"\"}}", 1, "template.name");
    expect_error("{\"template\":{\"name\":\"t\",\"language\":\"e\"}}", 1, "template.language");
    expect_error("{\"template\":{\"name\":\"t\",\"params\":\"name\"}}", 1, "template.params");
    expect_error("{\"template\":{\"name\":\"t\",\"params\":[\"\"]}}", 1, "template.params");
    expect_error("{\"template\":{\"name\":\"t\",\"params\":[\"bogus\"]}}", 1, "template.params");
    expect_error("{\"template\":{\"name\":\"t\",\"extra\":1}}", 1, "template");
    expect_error("{\"template\":[]}", 1, "template");
    expect_error("{\"audience\":{}}", 1, "audience");
    expect_error("{\"audience\":[]}", 1, "audience");
    expect_error("{\"audience\":{\"include_lists\":[0]}}", 1, "audience.include_lists");
    expect_error("{\"audience\":{\"include_lists\":\"1\"}}", 1, "audience.include_lists");
    expect_error("{\"audience\":{\"exclude_lists\":[1.5]}}", 1, "audience.exclude_lists");
    expect_error("{\"audience\":{\"rules\":[]}}", 1, "audience.rules");
    expect_error("{\"audience\":{\"lists\":[1]}}", 1, "audience");
    expect_error("{\"rate_limit_per_second\":0}", 1, "rate_limit_per_second");
    expect_error("{\"rate_limit_per_second\":-3}", 1, "rate_limit_per_second");
    expect_error("{\"rate_limit_per_second\":\"10\"}", 1, "rate_limit_per_second");
    expect_error("{\"rate_limit_per_second\":1e9}", 1, "rate_limit_per_second");
    expect_error("{\"max_failure_rate\":1}", 1, "max_failure_rate");
    expect_error("{\"max_failure_rate\":0}", 1, "max_failure_rate");
    expect_error("{\"max_failure_rate\":\"0.2\"}", 1, "max_failure_rate");
    expect_error("{\"status\":\"running\"}", 1, "status");
}

static void audience_error_fields(void **state)
{
    char f[96];
    api_audience_error_field("rules.all[0]: unknown op 'x'", f, sizeof(f));
    assert_string_equal(f, "audience.rules.all[0]");
    api_audience_error_field("include_lists: too many", f, sizeof(f));
    assert_string_equal(f, "audience.include_lists");
    api_audience_error_field("something else: x", f, sizeof(f));
    assert_string_equal(f, "audience");
    api_audience_error_field("", f, sizeof(f));
    assert_string_equal(f, "audience");
}

static void schedule_body(void **state)
{
    char at[21];
    struct api_field_error err = {{0}, {0}};
    json_t *in = load("{\"at\":\"2026-11-25T21:00:00+01:00\"}");
    assert_int_equal(api_schedule_validate(in, NOW, at, &err), 0);
    assert_string_equal(at, "2026-11-25T20:00:00Z");
    json_decref(in);
    const char *bad[] = {"{}", "{\"at\":5}", "{\"at\":\"soon\"}",
                         "{\"at\":\"2026-11-25T19:58:00Z\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        in = load(bad[i]);
        assert_int_equal(api_schedule_validate(in, NOW, at, &err), -1);
        assert_string_equal(err.field, "at");
        json_decref(in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_full_definition),
        cmocka_unit_test(fills_defaults_on_create),
        cmocka_unit_test(update_keeps_only_given_fields),
        cmocka_unit_test(max_failure_rate_is_passed_on),
        cmocka_unit_test(refusals_name_the_field),
        cmocka_unit_test(audience_error_fields),
        cmocka_unit_test(schedule_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
