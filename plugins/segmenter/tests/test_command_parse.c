/*
 * test_command_parse.c - command shape checks and campaign definitions: each invalid command
 * has a reason, and whatever could be read (id, type, campaign) is kept for the record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "campaign_definition.h"
#include "command_parse.h"
#include "messaging_limit_command.h"
#include "template_status_command.h"
#include "waba_number_command.h"

static void rejected(const char *payload, const char *fragment)
{
    struct campaign_command cmd;
    char err[256] = "";
    assert_int_equal(command_parse(payload, strlen(payload), &cmd, err, sizeof(err)), -1);
    if (!strstr(err, fragment))
        fail_msg("'%s': error '%s' lacks '%s'", payload, err, fragment);
    command_free(&cmd);
}

static void test_valid_commands(void **state)
{
    const char *p = "{\"command_id\":\"c1\",\"type\":\"duplicate\",\"campaign_id\":4,"
                    "\"new_campaign_id\":5}";
    struct campaign_command cmd;
    char err[256];
    assert_int_equal(command_parse(p, strlen(p), &cmd, err, sizeof(err)), 0);
    assert_string_equal(cmd.command_id, "c1");
    assert_int_equal(cmd.type, CMD_DUPLICATE);
    assert_int_equal(cmd.campaign_id, 4);
    assert_int_equal(cmd.new_campaign_id, 5);
    command_free(&cmd);

    p = "{\"command_id\":\"c2\",\"type\":\"schedule\",\"campaign_id\":4,"
        "\"at\":\"2026-11-25T20:00:00Z\"}";
    assert_int_equal(command_parse(p, strlen(p), &cmd, err, sizeof(err)), 0);
    assert_string_equal(cmd.at, "2026-11-25T20:00:00Z");
    command_free(&cmd);

    p = "{\"command_id\":\"c3\",\"type\":\"recalculate\",\"campaign_id\":4}";
    assert_int_equal(command_parse(p, strlen(p), &cmd, err, sizeof(err)), 0);
    assert_int_equal(cmd.type, CMD_RECALCULATE);
    command_free(&cmd);
}

static void test_invalid_commands(void **state)
{
    rejected("{not json", "not valid JSON");
    rejected("[1]", "must be a JSON object");
    rejected("{\"type\":\"start\",\"campaign_id\":1}", "command_id");
    rejected("{\"command_id\":\"\",\"type\":\"start\",\"campaign_id\":1}", "command_id");
    rejected("{\"command_id\":\"a\",\"type\":\"explode\",\"campaign_id\":1}",
             "unknown command type 'explode'");
    rejected("{\"command_id\":\"a\",\"campaign_id\":1}", "type must be a string");
    rejected("{\"command_id\":\"a\",\"type\":\"start\"}", "campaign_id");
    rejected("{\"command_id\":\"a\",\"type\":\"start\",\"campaign_id\":\"1\"}", "campaign_id");
    rejected("{\"command_id\":\"a\",\"type\":\"start\",\"campaign_id\":0}", "campaign_id");
    rejected("{\"command_id\":\"a\",\"type\":\"create\",\"campaign_id\":1}", "'campaign'");
    rejected("{\"command_id\":\"a\",\"type\":\"schedule\",\"campaign_id\":1}", "'at'");
    rejected("{\"command_id\":\"a\",\"type\":\"schedule\",\"campaign_id\":1,\"at\":\"tomorrow\"}",
             "'at'");
    rejected("{\"command_id\":\"a\",\"type\":\"schedule\",\"campaign_id\":1,"
             "\"at\":\"2026-11-25T20:00:00\"}",
             "with zone");
    rejected("{\"command_id\":\"a\",\"type\":\"duplicate\",\"campaign_id\":1}", "new_campaign_id");
    rejected("{\"command_id\":\"a\",\"type\":\"duplicate\",\"campaign_id\":1,"
             "\"new_campaign_id\":1}",
             "must differ");
    rejected("{\"command_id\":\"a\",\"command_id\":\"b\",\"type\":\"start\",\"campaign_id\":1}",
             "duplicate");
}

static void test_partial_record_on_rejection(void **state)
{
    const char *p = "{\"command_id\":\"keep-me\",\"type\":\"nope\",\"campaign_id\":9}";
    struct campaign_command cmd;
    char err[128];
    assert_int_equal(command_parse(p, strlen(p), &cmd, err, sizeof(err)), -1);
    assert_string_equal(cmd.command_id, "keep-me");
    assert_string_equal(cmd.type_name, "nope");
    assert_int_equal(cmd.campaign_id, 9);
    command_free(&cmd);
}

static int parse_campaign(const char *json, int create, struct campaign_fields *f, char *err)
{
    json_t *c = json_loads(json, 0, NULL);
    assert_non_null(c);
    int rc = campaign_fields_parse(c, create, f, err, 256);
    json_decref(c);
    return rc;
}

static void test_campaign_definition(void **state)
{
    struct campaign_fields f;
    char err[256];
    assert_int_equal(parse_campaign("{\"name\":\"S\",\"phone_number_id\":\"1\",\"template\":"
                                    "{\"name\":\"t\",\"params\":[\"name\",\"=x\"]},"
                                    "\"audience\":{},\"rate_limit_per_second\":5}",
                                    1, &f, err),
                     0);
    assert_string_equal(f.template_language, "en");
    assert_string_equal(f.template_params, "[\"name\",\"=x\"]");
    assert_string_equal(f.audience, "{}");
    assert_int_equal(f.rate_given, 1);
    assert_string_equal(f.rate, "5");
    campaign_fields_free(&f);

    assert_int_equal(parse_campaign("{\"name\":\"S\",\"phone_number_id\":\"1\",\"template\":"
                                    "{\"name\":\"t\"}}",
                                    1, &f, err),
                     0);
    assert_null(f.audience); /* stored as {} by the create command */
    assert_null(f.template_params);
    campaign_fields_free(&f);

    assert_int_equal(parse_campaign("{\"rate_limit_per_second\":null}", 0, &f, err), 0);
    assert_int_equal(f.rate_given, 1);
    assert_string_equal(f.rate, "");
    assert_null(f.name);
    assert_int_equal(f.failure_given, 0);
    campaign_fields_free(&f);

    assert_int_equal(parse_campaign("{\"max_failure_rate\":0.25}", 0, &f, err), 0);
    assert_int_equal(f.failure_given, 1);
    assert_string_equal(f.failure_rate, "0.25");
    campaign_fields_free(&f);
    assert_int_equal(parse_campaign("{\"max_failure_rate\":null}", 0, &f, err), 0);
    assert_int_equal(f.failure_given, 1);
    assert_string_equal(f.failure_rate, "");
    campaign_fields_free(&f);

    static const char *const bad[][2] = {
        {"{\"name\":\"S\",\"template\":{\"name\":\"t\"}}", "campaign.phone_number_id is required"},
        {"{\"phone_number_id\":\"1\",\"template\":{\"name\":\"t\"},\"audience\":{}}",
         "campaign.name is required"},
        {"{\"name\":\"S\",\"phone_number_id\":\"1\",\"template\":{\"name\":\"t\"},\"audience\":"
         "{\"rules\":{\"op\":\"zzz\"}}}",
         "campaign.audience: rules: unknown op 'zzz'"},
        {"{\"name\":\"S\",\"phone_number_id\":\"1\",\"template\":{\"name\":\"t\",\"params\":"
         "[\"email\"]},\"audience\":{}}",
         "template.params[0]"},
        {"{\"name\":\"S\",\"rate_limit_per_second\":0}", "rate_limit_per_second"},
        {"{\"name\":\"S\",\"rate_limit_per_second\":\"5\"}", "rate_limit_per_second"},
        {"{\"max_failure_rate\":1}", "max_failure_rate must be null or a share in (0, 1)"},
        {"{\"max_failure_rate\":0}", "max_failure_rate"},
        {"{\"max_failure_rate\":\"20%\"}", "max_failure_rate"},
        {"{\"nmae\":\"S\"}", "unknown key 'nmae'"},
        {"{\"name\":\"\"}", "campaign.name must be"},
        {"{\"template\":{\"name\":\"t\",\"lang\":\"de\"}}", "template: unknown key 'lang'"},
        {"{}", "nothing to update"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int create = strstr(bad[i][1], "required") || strstr(bad[i][1], "audience:") ||
                     strstr(bad[i][1], "params[0]");
        err[0] = '\0';
        assert_int_equal(parse_campaign(bad[i][0], create, &f, err), -1);
        if (!strstr(err, bad[i][1]))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i][1]);
        campaign_fields_free(&f);
    }
}

static int limit_parse(const char *json, struct messaging_limit_command *c, char *err)
{
    json_t *root = json_loads(json, 0, NULL);
    assert_non_null(root);
    assert_true(messaging_limit_command_is(root));
    int rc = messaging_limit_command_parse(root, c, err, 256);
    json_decref(root); /* c's strings are gone now: only numbers are looked at below */
    return rc;
}

static void test_messaging_limit_command(void **state)
{
    (void)state;
    struct messaging_limit_command c;
    char err[256];
    assert_int_equal(limit_parse("{\"command_id\":\"m1\",\"type\":\"messaging_limit\","
                                 "\"people\":10000,\"announced_at_ms\":1739321024000,"
                                 "\"source\":\"business_capability_update\",\"waba_id\":\"52\"}",
                                 &c, err),
                     0);
    assert_int_equal(c.people, 10000);
    assert_int_equal(c.announced_at_ms, 1739321024000LL);
    assert_int_equal(limit_parse("{\"command_id\":\"m2\",\"type\":\"messaging_limit\","
                                 "\"people\":null,\"announced_at_ms\":1,\"source\":\"x\"}",
                                 &c, err),
                     0);
    assert_int_equal(c.people, 0); /* unlimited */
    static const struct {
        const char *json, *reason;
    } bad[] = {
        {"{\"type\":\"messaging_limit\",\"people\":1,\"announced_at_ms\":1,\"source\":\"x\"}",
         "command_id"},
        {"{\"command_id\":\"m\",\"type\":\"messaging_limit\",\"announced_at_ms\":1,"
         "\"source\":\"x\"}",
         "people must be"},
        {"{\"command_id\":\"m\",\"type\":\"messaging_limit\",\"people\":0,\"announced_at_ms\":1,"
         "\"source\":\"x\"}",
         "people must be"},
        {"{\"command_id\":\"m\",\"type\":\"messaging_limit\",\"people\":\"2000\","
         "\"announced_at_ms\":1,\"source\":\"x\"}",
         "people must be"},
        {"{\"command_id\":\"m\",\"type\":\"messaging_limit\",\"people\":3000000000,"
         "\"announced_at_ms\":1,\"source\":\"x\"}",
         "people must be"},
        {"{\"command_id\":\"m\",\"type\":\"messaging_limit\",\"people\":1,\"source\":\"x\"}",
         "announced_at_ms"},
        {"{\"command_id\":\"m\",\"type\":\"messaging_limit\",\"people\":1,"
         "\"announced_at_ms\":9999999999999999,\"source\":\"x\"}",
         "announced_at_ms"},
        {"{\"command_id\":\"m\",\"type\":\"messaging_limit\",\"people\":1,\"announced_at_ms\":1}",
         "source"},
        {"{\"command_id\":\"m\",\"type\":\"messaging_limit\",\"people\":1,\"announced_at_ms\":1,"
         "\"source\":\"x\",\"waba_id\":7}",
         "waba_id"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(limit_parse(bad[i].json, &c, err), -1);
        assert_non_null(strstr(err, bad[i].reason));
        assert_non_null(strstr(err, "messaging_limit: "));
    }
    json_t *other = json_loads("{\"type\":\"start\",\"campaign_id\":1}", 0, NULL);
    assert_false(messaging_limit_command_is(other));
    json_decref(other);
}

static int template_parse(const char *json, struct template_status_command *c, char *err)
{
    json_t *root = json_loads(json, 0, NULL);
    assert_non_null(root);
    assert_true(template_status_command_is(root));
    int rc = template_status_command_parse(root, c, err, 256);
    json_decref(root);
    return rc;
}

static void test_template_status_command(void **state)
{
    (void)state;
    struct template_status_command c;
    char err[256];
    assert_int_equal(template_parse("{\"command_id\":\"t1\",\"type\":\"template_status\","
                                    "\"template_name\":\"spring_sale\",\"template_language\":"
                                    "\"en_US\",\"event\":\"PAUSED\",\"reason\":null,"
                                    "\"announced_at_ms\":1764300000000}",
                                    &c, err),
                     0);
    assert_int_equal(c.announced_at_ms, 1764300000000LL);
    assert_null(c.reason);
    assert_null(c.waba_id);
    json_t *with_waba = json_loads("{\"command_id\":\"t1\",\"type\":\"template_status\","
                                   "\"template_name\":\"a\",\"template_language\":\"en\","
                                   "\"event\":\"PAUSED\",\"waba_id\":\"5241\","
                                   "\"announced_at_ms\":1}",
                                   0, NULL);
    assert_int_equal(template_status_command_parse(with_waba, &c, err, sizeof(err)), 0);
    assert_string_equal(c.waba_id, "5241"); /* borrowed: read before the decref */
    json_decref(with_waba);
    static const struct {
        const char *json, *reason;
    } bad[] = {
        {"{\"type\":\"template_status\",\"template_name\":\"a\",\"template_language\":\"en\","
         "\"event\":\"PAUSED\",\"announced_at_ms\":1}",
         "command_id"},
        {"{\"command_id\":\"t\",\"type\":\"template_status\",\"template_language\":\"en\","
         "\"event\":\"PAUSED\",\"announced_at_ms\":1}",
         "template_name"},
        {"{\"command_id\":\"t\",\"type\":\"template_status\",\"template_name\":\"a\","
         "\"template_language\":\"\",\"event\":\"PAUSED\",\"announced_at_ms\":1}",
         "template_language"},
        {"{\"command_id\":\"t\",\"type\":\"template_status\",\"template_name\":\"a\","
         "\"template_language\":\"en\",\"event\":\"paused\",\"announced_at_ms\":1}",
         "event must be"},
        {"{\"command_id\":\"t\",\"type\":\"template_status\",\"template_name\":\"a\","
         "\"template_language\":\"en\",\"event\":\"PAUSED\",\"reason\":7,\"announced_at_ms\":1}",
         "reason"},
        {"{\"command_id\":\"t\",\"type\":\"template_status\",\"template_name\":\"a\","
         "\"template_language\":\"en\",\"event\":\"PAUSED\",\"announced_at_ms\":0}",
         "announced_at_ms"},
        {"{\"command_id\":\"t\",\"type\":\"template_status\",\"template_name\":\"a\","
         "\"template_language\":\"en\",\"event\":\"PAUSED\",\"waba_id\":5241,"
         "\"announced_at_ms\":1}",
         "waba_id"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(template_parse(bad[i].json, &c, err), -1);
        assert_non_null(strstr(err, bad[i].reason));
        assert_non_null(strstr(err, "template_status: "));
    }
}

static void test_waba_number_command(void **state)
{
    (void)state;
    json_t *root = json_loads("{\"command_id\":\"n1\",\"type\":\"waba_number\","
                              "\"phone_number_id\":\"1098765\",\"waba_id\":\"5241\","
                              "\"announced_at_ms\":1764300000000}",
                              0, NULL);
    assert_true(waba_number_command_is(root));
    struct waba_number_command c;
    char err[256];
    assert_int_equal(waba_number_command_parse(root, &c, err, sizeof(err)), 0);
    assert_string_equal(c.phone_number_id, "1098765");
    assert_string_equal(c.waba_id, "5241");
    assert_int_equal(c.announced_at_ms, 1764300000000LL);
    json_decref(root);
    static const struct {
        const char *json, *reason;
    } bad[] = {
        {"{\"command_id\":\"n\",\"type\":\"waba_number\",\"waba_id\":\"5\","
         "\"announced_at_ms\":1}",
         "phone_number_id"},
        {"{\"command_id\":\"n\",\"type\":\"waba_number\",\"phone_number_id\":\"1\","
         "\"waba_id\":\"\",\"announced_at_ms\":1}",
         "waba_id"},
        {"{\"type\":\"waba_number\",\"phone_number_id\":\"1\",\"waba_id\":\"5\","
         "\"announced_at_ms\":1}",
         "command_id"},
        {"{\"command_id\":\"n\",\"type\":\"waba_number\",\"phone_number_id\":\"1\","
         "\"waba_id\":\"5\"}",
         "announced_at_ms"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        root = json_loads(bad[i].json, 0, NULL);
        assert_non_null(root);
        assert_int_equal(waba_number_command_parse(root, &c, err, sizeof(err)), -1);
        assert_non_null(strstr(err, bad[i].reason));
        assert_non_null(strstr(err, "waba_number: "));
        json_decref(root);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_commands),
        cmocka_unit_test(test_invalid_commands),
        cmocka_unit_test(test_partial_record_on_rejection),
        cmocka_unit_test(test_campaign_definition),
        cmocka_unit_test(test_messaging_limit_command),
        cmocka_unit_test(test_template_status_command),
        cmocka_unit_test(test_waba_number_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
