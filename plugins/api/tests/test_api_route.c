/*
 * test_api_route.c - every documented route, wrong methods (405 + Allow), malformed ids and
 * unknown paths (404).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "api_route.h"

static void ok(const char *method, const char *path, enum api_op op)
{
    struct api_route r;
    assert_int_equal(api_route_parse(method, path, &r), API_ROUTE_OK);
    assert_int_equal(r.op, op);
}

static void documented_routes(void **state)
{
    ok("POST", "/api/campaigns", API_OP_CAMPAIGN_CREATE);
    ok("GET", "/api/campaigns", API_OP_CAMPAIGN_LIST);
    ok("HEAD", "/api/campaigns", API_OP_CAMPAIGN_LIST);
    ok("GET", "/api/campaigns/42", API_OP_CAMPAIGN_GET);
    ok("PATCH", "/api/campaigns/42", API_OP_CAMPAIGN_UPDATE);
    ok("GET", "/api/campaigns/42/progress", API_OP_CAMPAIGN_PROGRESS);
    ok("GET", "/api/campaigns/42/progress/stream", API_OP_CAMPAIGN_STREAM);
    ok("GET", "/api/commands/9b1d-ab_c.1:2", API_OP_COMMAND_GET);
    ok("POST", "/api/contacts/import", API_OP_CONTACTS_IMPORT);
    ok("GET", "/api/lists", API_OP_LIST_LIST);
    ok("POST", "/api/lists", API_OP_LIST_CREATE);
    ok("POST", "/api/segments/preview", API_OP_SEGMENT_PREVIEW);
    ok("POST", "/api/contacts/opt-out", API_OP_CONTACTS_OPT_OUT);
    ok("POST", "/api/contacts/opt-in", API_OP_CONTACTS_OPT_IN);
    ok("GET", "/api/campaigns/42/recipients", API_OP_CAMPAIGN_RECIPIENTS);
    ok("GET", "/api/campaigns/42/replies", API_OP_CAMPAIGN_REPLIES);
    ok("GET", "/api/contacts/4915100000001", API_OP_CONTACT_SHOW);
    ok("POST", "/api/contacts/erase", API_OP_CONTACTS_ERASE);
    ok("GET", "/api/messaging-limit", API_OP_MESSAGING_LIMIT_GET);
    ok("PUT", "/api/messaging-limit", API_OP_MESSAGING_LIMIT_SET);
    ok("GET", "/api/contacts/+49 151 0000 0001", API_OP_CONTACT_SHOW);
}

static void campaign_commands_and_ids(void **state)
{
    const char *cmds[] = {"schedule", "start", "pause", "resume", "cancel", "duplicate"};
    char path[64];
    for (size_t i = 0; i < 6; i++) {
        struct api_route r;
        snprintf(path, sizeof(path), "/api/campaigns/123456789012345678/%s", cmds[i]);
        assert_int_equal(api_route_parse("POST", path, &r), API_ROUTE_OK);
        assert_int_equal(r.op, API_OP_CAMPAIGN_COMMAND);
        assert_string_equal(r.command, cmds[i]);
        assert_int_equal(r.campaign_id, 123456789012345678LL);
        assert_int_equal(api_route_parse("GET", path, &r), API_ROUTE_METHOD_NOT_ALLOWED);
        assert_string_equal(r.allow, "POST");
    }
}

static void wrong_methods_are_405(void **state)
{
    struct api_route r;
    assert_int_equal(api_route_parse("DELETE", "/api/campaigns/1", &r),
                     API_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(r.allow, "GET, PATCH");
    assert_int_equal(api_route_parse("PUT", "/api/campaigns", &r), API_ROUTE_METHOD_NOT_ALLOWED);
    assert_int_equal(api_route_parse("POST", "/api/campaigns/1/progress", &r),
                     API_ROUTE_METHOD_NOT_ALLOWED);
    assert_int_equal(api_route_parse("GET", "/api/contacts/import", &r),
                     API_ROUTE_METHOD_NOT_ALLOWED);
    assert_int_equal(api_route_parse("POST", "/api/commands/x", &r), API_ROUTE_METHOD_NOT_ALLOWED);
    assert_int_equal(api_route_parse("DELETE", "/api/campaigns/1/recipients", &r),
                     API_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(r.allow, "GET");
    assert_int_equal(api_route_parse("POST", "/api/messaging-limit", &r),
                     API_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(r.allow, "GET, PUT");
}

static void unknown_and_malformed_are_404(void **state)
{
    const char *bad[] = {"/api",
                         "/api/",
                         "/api/campaign",
                         "/api/campaigns/",
                         "/api/campaigns/0",
                         "/api/campaigns/-1",
                         "/api/campaigns/abc",
                         "/api/campaigns/01",
                         "/api/campaigns/1234567890123456789",
                         "/api/campaigns/1/",
                         "/api/campaigns/1/launch",
                         "/api/campaigns/1/start/now",
                         "/api/campaigns/1/progress/",
                         "/api/campaigns/1/progress/streams",
                         "/api/campaigns/1/recipients/",
                         "/api/campaigns/1/recipients/5",
                         "/api/contacts/",
                         "/api/contacts/49151x",
                         "/api/contacts/4915100000001/lists",
                         "/api/commands",
                         "/api/commands/",
                         "/api/commands/a/b",
                         "/api/commands/has space",
                         "/api/commands/x%27",
                         "/api/lists/1",
                         "/api/segments",
                         "/other"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct api_route r;
        assert_int_equal(api_route_parse("GET", bad[i], &r), API_ROUTE_NOT_FOUND);
        assert_int_equal(api_route_parse("POST", bad[i], &r) == API_ROUTE_OK &&
                             r.op == API_OP_CAMPAIGN_COMMAND,
                         0);
    }
}

static void api_prefix(void **state)
{
    assert_true(api_route_is_api("/api"));
    assert_true(api_route_is_api("/api/campaigns"));
    assert_false(api_route_is_api("/apix"));
    assert_false(api_route_is_api("/"));
    assert_false(api_route_is_api("/index.html"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(documented_routes),
        cmocka_unit_test(campaign_commands_and_ids),
        cmocka_unit_test(wrong_methods_are_405),
        cmocka_unit_test(unknown_and_malformed_are_404),
        cmocka_unit_test(api_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
