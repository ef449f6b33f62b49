/*
 * test_ctl_campaign_spec.c - campaign create/update flags to the command's campaign object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_campaign_spec.h"

static json_t *build(int argc, char **argv, int for_create, char *err)
{
    const struct ctl_opt_spec *const tables[] = {ctl_campaign_spec_opts};
    struct ctl_opts o;
    assert_int_equal(ctl_opts_parse(&o, tables, 1, argc, argv, err, 300), 0);
    json_t *c = ctl_campaign_spec_build(&o, for_create, err, 300);
    ctl_opts_free(&o);
    return c;
}

static void assert_json(json_t *got, const char *expected_text)
{
    json_t *expected = json_loads(expected_text, 0, NULL);
    assert_non_null(expected);
    if (!json_equal(got, expected)) {
        char *g = json_dumps(got, JSON_SORT_KEYS);
        fail_msg("got %s", g);
    }
    json_decref(expected);
}

static void test_create_from_flags(void **state)
{
    char *argv[] = {"--name",
                    "Spring sale",
                    "--phone-number-id",
                    "1098765",
                    "--template",
                    "spring_sale",
                    "--param",
                    "name",
                    "--param",
                    "attributes.discount",
                    "--list",
                    "1",
                    "--exclude-list",
                    "3",
                    "--rule",
                    "{\"attr\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}",
                    "--rate",
                    "80"};
    char err[300];
    json_t *c = build(18, argv, 1, err);
    assert_non_null(c);
    assert_json(c, "{\"name\":\"Spring sale\",\"phone_number_id\":\"1098765\","
                   "\"template\":{\"name\":\"spring_sale\",\"language\":\"en\","
                   "\"params\":[\"name\",\"attributes.discount\"]},"
                   "\"audience\":{\"include_lists\":[1],\"exclude_lists\":[3],"
                   "\"rules\":{\"attr\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}},"
                   "\"rate_limit_per_second\":80.0}");
    json_decref(c);
}

static void test_several_rules_are_anded(void **state)
{
    char *argv[] = {"--name",
                    "n",
                    "--phone-number-id",
                    "1",
                    "--template",
                    "t",
                    "--rule",
                    "{\"attr\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}",
                    "--rule",
                    "{\"op\":\"has_tag\",\"value\":\"vip\"}"};
    char err[300];
    json_t *c = build(10, argv, 1, err);
    assert_non_null(c);
    json_t *all = json_object_get(json_object_get(json_object_get(c, "audience"), "rules"), "all");
    assert_int_equal(json_array_size(all), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(all, 1), "value")), "vip");
    json_decref(c);
}

static void expect_error(int argc, char **argv, int for_create, const char *reason)
{
    char err[300] = "";
    json_t *c = build(argc, argv, for_create, err);
    assert_null(c);
    if (!strstr(err, reason))
        fail_msg("expected '%s' in '%s'", reason, err);
}

static void test_create_errors(void **state)
{
    char *no_name[] = {"--phone-number-id", "1", "--template", "t"};
    expect_error(4, no_name, 1, "missing --name");
    char *no_phone[] = {"--name", "n", "--template", "t"};
    expect_error(4, no_phone, 1, "missing --phone-number-id");
    char *no_template[] = {"--name", "n", "--phone-number-id", "1"};
    expect_error(4, no_template, 1, "missing --template");
    char *bad_list[] = {"--name", "n", "--phone-number-id", "1", "--template", "t", "--list", "x1"};
    expect_error(8, bad_list, 1, "--list x1");
    char *bad_rule[] = {"--name", "n", "--phone-number-id", "1", "--template", "t", "--rule", "{"};
    expect_error(8, bad_rule, 1, "--rule: invalid JSON");
    char *rule_array[] = {"--name", "n", "--phone-number-id", "1", "--template", "t",
                          "--rule", "[]"};
    expect_error(8, rule_array, 1, "a rule is a JSON object");
    char *bad_rate[] = {"--name", "n", "--phone-number-id", "1", "--template", "t", "--rate", "0"};
    expect_error(8, bad_rate, 1, "--rate 0");
    char *missing_file[] = {"--file", "/nonexistent/c.json"};
    expect_error(2, missing_file, 1, "/nonexistent/c.json");
}

static void test_update_needs_a_field(void **state)
{
    expect_error(0, NULL, 0, "nothing to update");
    char *rate_none[] = {"--rate", "none"};
    char err[300];
    json_t *c = build(2, rate_none, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"rate_limit_per_second\":null}");
    json_decref(c);
}

/* --not-messaged-within: the audience's frequency cap, alone or beside the list flags. */
static void test_frequency_cap_flag(void **state)
{
    char *cap[] = {"--not-messaged-within", "72"};
    char err[300];
    json_t *c = build(2, cap, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"audience\":{\"not_messaged_within_hours\":72}}");
    json_decref(c);
    char *with_list[] = {"--list", "4", "--not-messaged-within", "24"};
    c = build(4, with_list, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"audience\":{\"include_lists\":[4],\"not_messaged_within_hours\":24}}");
    json_decref(c);
    char *bad[] = {"--not-messaged-within", "1.5"};
    expect_error(2, bad, 0, "--not-messaged-within 1.5: a whole number of hours > 0");
}

/* --from-campaign: retargeting, the id alone or with the outcomes to keep. */
static void test_from_campaign_flag(void **state)
{
    char *only_id[] = {"--from-campaign", "42"};
    char err[300];
    json_t *c = build(2, only_id, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"audience\":{\"from_campaign\":{\"campaign_id\":42}}}");
    json_decref(c);
    char *with_outcomes[] = {"--list", "4", "--from-campaign", "42:delivered,sent"};
    c = build(4, with_outcomes, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"audience\":{\"include_lists\":[4],\"from_campaign\":{\"campaign_id\":42,"
                   "\"outcomes\":[\"delivered\",\"sent\"]}}}");
    json_decref(c);
    char *bad_id[] = {"--from-campaign", "x:read"};
    expect_error(2, bad_id, 0, "--from-campaign x:read: expected ID or ID:OUTCOME");
    char *empty[] = {"--from-campaign", "42:read,,sent"};
    expect_error(2, empty, 0, "--from-campaign 42:read,,sent: an empty outcome");
    char *trailing[] = {"--from-campaign", "42:"};
    expect_error(2, trailing, 0, "an empty outcome");
}

/* --send-window: local hours with an optional zone, or none to remove them. */
static void test_send_window_flag(void **state)
{
    char *berlin[] = {"--send-window", "09:00-20:00@Europe/Berlin"};
    char err[300];
    json_t *c = build(2, berlin, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"send_window\":{\"from\":\"09:00\",\"to\":\"20:00\","
                   "\"time_zone\":\"Europe/Berlin\"}}");
    json_decref(c);
    char *utc[] = {"--send-window", "22:00-06:00"};
    c = build(2, utc, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"send_window\":{\"from\":\"22:00\",\"to\":\"06:00\"}}");
    json_decref(c);
    char *none[] = {"--send-window", "none"};
    c = build(2, none, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"send_window\":null}");
    json_decref(c);
    char *bad[] = {"--send-window", "9am"};
    expect_error(2, bad, 0, "--send-window 9am: expected HH:MM-HH:MM[@ZONE] or none");
    char *no_zone[] = {"--send-window", "09:00-20:00@"};
    expect_error(2, no_zone, 0, "expected HH:MM-HH:MM[@ZONE]");
}

/* --max-failure-rate: a share or a percentage below 1, or none to use the segmenter's. */
static void test_max_failure_rate_flag(void **state)
{
    char err[300];
    char *share[] = {"--max-failure-rate", "0.2"};
    json_t *c = build(2, share, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"max_failure_rate\":0.2}");
    json_decref(c);
    char *percent[] = {"--max-failure-rate", "25%"};
    c = build(2, percent, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"max_failure_rate\":0.25}");
    json_decref(c);
    char *none[] = {"--max-failure-rate", "none"};
    c = build(2, none, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"max_failure_rate\":null}");
    json_decref(c);
    char *one[] = {"--max-failure-rate", "1"};
    expect_error(2, one, 0, "--max-failure-rate 1: a share below 1");
    char *hundred[] = {"--max-failure-rate", "100%"};
    expect_error(2, hundred, 0, "--max-failure-rate 100%");
    char *junk[] = {"--max-failure-rate", "%"};
    expect_error(2, junk, 0, "--max-failure-rate %");
}

static void test_header_and_button_flags(void **state)
{
    char *argv[] = {"--header", "document:https://cdn.example.com/a.pdf?x=1",
                    "--button", "url:attributes.path",
                    "--button", "copy_code:=SPRING20"};
    char err[300];
    json_t *c = build(6, argv, 0, err);
    assert_non_null(c);
    assert_json(c, "{\"template\":{\"header\":{\"type\":\"document\",\"link\":"
                   "\"https://cdn.example.com/a.pdf?x=1\"},\"buttons\":[{\"sub_type\":\"url\","
                   "\"param\":\"attributes.path\"},{\"sub_type\":\"copy_code\",\"param\":"
                   "\"=SPRING20\"}]}}");
    json_decref(c);
    char *text[] = {"--header", "text:name"};
    c = build(2, text, 0, err);
    assert_json(c, "{\"template\":{\"header\":{\"type\":\"text\",\"param\":\"name\"}}}");
    json_decref(c);
    char *none[] = {"--header", "none", "--button", "none"};
    c = build(4, none, 0, err);
    assert_json(c, "{\"template\":{\"header\":null,\"buttons\":null}}");
    json_decref(c);
    char *by_id[] = {"--header", "image:1013859600285441"};
    c = build(2, by_id, 0, err);
    assert_json(c, "{\"template\":{\"header\":{\"type\":\"image\",\"id\":"
                   "\"1013859600285441\"}}}");
    json_decref(c);
    char *bad[] = {"--header", "gif:https://a"};
    expect_error(2, bad, 0, "--header gif:https://a: image:URL|ID, video:URL|ID, document:URL|ID");
    char *bad_button[] = {"--button", "url"};
    expect_error(2, bad_button, 0, "--button url: url:FIELD");
}

static void test_file_with_flag_override(void **state)
{
    char path[] = "/tmp/ctl_campaign_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "{\"campaign\":{\"name\":\"From file\",\"phone_number_id\":\"77\","
                       "\"template\":{\"name\":\"t1\",\"language\":\"de\",\"params\":[\"name\"]},"
                       "\"audience\":{\"include_lists\":[5]}}}";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char *argv[] = {"--file", path, "--name", "Override", "--exclude-list", "9"};
    char err[300];
    json_t *c = build(6, argv, 1, err);
    unlink(path);
    assert_non_null(c);
    assert_json(c, "{\"name\":\"Override\",\"phone_number_id\":\"77\","
                   "\"template\":{\"name\":\"t1\",\"language\":\"de\",\"params\":[\"name\"]},"
                   "\"audience\":{\"include_lists\":[5],\"exclude_lists\":[9]}}");
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_from_flags),
        cmocka_unit_test(test_several_rules_are_anded),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_update_needs_a_field),
        cmocka_unit_test(test_frequency_cap_flag),
        cmocka_unit_test(test_file_with_flag_override),
        cmocka_unit_test(test_from_campaign_flag),
        cmocka_unit_test(test_send_window_flag),
        cmocka_unit_test(test_max_failure_rate_flag),
        cmocka_unit_test(test_header_and_button_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
