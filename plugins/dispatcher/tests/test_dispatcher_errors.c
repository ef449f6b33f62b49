/*
 * test_dispatcher_errors.c - every row of the Cloud API error table maps to its action, and
 * ambiguous transport failures are never retried unless the config says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "dispatcher_errors.h"

static enum disp_action code(long http, int c)
{
    return disp_classify(DISP_TX_ANSWERED, http, c, 0, 0);
}

static void success_needs_a_wamid(void **state)
{
    assert_int_equal(disp_classify(DISP_TX_ANSWERED, 200, 0, 1, 0), DISP_ACT_ACCEPTED);
    assert_int_equal(disp_classify(DISP_TX_ANSWERED, 200, 0, 0, 0), DISP_ACT_UNCERTAIN);
    assert_int_equal(disp_classify(DISP_TX_ANSWERED, 201, 0, 1, 1), DISP_ACT_ACCEPTED);
}

static void throughput_codes_throttle_the_number(void **state)
{
    /* throttling comes back as 400 or 429 depending on the source: the code decides */
    assert_int_equal(code(400, 130429), DISP_ACT_THROTTLE_NUMBER);
    assert_int_equal(code(429, 130429), DISP_ACT_THROTTLE_NUMBER);
    assert_int_equal(code(400, 4), DISP_ACT_THROTTLE_NUMBER);
    assert_int_equal(code(400, 80007), DISP_ACT_THROTTLE_NUMBER);
    assert_int_equal(code(400, 613), DISP_ACT_THROTTLE_NUMBER);
    assert_int_equal(code(429, 0), DISP_ACT_THROTTLE_NUMBER);
}

static void pair_limit_delays_only_the_recipient(void **state)
{
    assert_int_equal(code(400, 131056), DISP_ACT_RETRY_RECIPIENT);
}

static void transient_codes_retry(void **state)
{
    assert_int_equal(code(500, 1), DISP_ACT_RETRY);
    assert_int_equal(code(500, 2), DISP_ACT_RETRY);
    assert_int_equal(code(500, 131000), DISP_ACT_RETRY);
    assert_int_equal(code(400, 131057), DISP_ACT_RETRY);
    assert_int_equal(code(502, 0), DISP_ACT_RETRY);
    assert_int_equal(code(503, 0), DISP_ACT_RETRY);
    assert_int_equal(code(500, 999999), DISP_ACT_RETRY); /* unknown code, 5xx */
    assert_int_equal(code(408, 0), DISP_ACT_RETRY);
}

static void permanent_codes_fail_the_recipient(void **state)
{
    int codes[] = {131026, 131047, 131049, 100, 131008};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        assert_int_equal(code(400, codes[i]), DISP_ACT_FAILED);
    assert_int_equal(code(400, 131050), DISP_ACT_FAILED_OPT_OUT);
    assert_int_equal(code(400, 0), DISP_ACT_FAILED);
    assert_int_equal(code(404, 0), DISP_ACT_FAILED);
    assert_int_equal(code(400, 424242), DISP_ACT_FAILED); /* unknown code, 4xx */
}

static void template_errors_stop_or_pause_the_campaign(void **state)
{
    assert_int_equal(code(400, 132000), DISP_ACT_STOP_CAMPAIGN);
    assert_int_equal(code(400, 132001), DISP_ACT_STOP_CAMPAIGN);
    assert_int_equal(code(400, 132015), DISP_ACT_PAUSE_CAMPAIGN);
    assert_int_equal(code(404, 132015), DISP_ACT_PAUSE_CAMPAIGN);
    assert_string_equal(disp_action_name(DISP_ACT_PAUSE_CAMPAIGN), "pause_campaign");
}

static void token_and_permission_errors_stop_the_number(void **state)
{
    assert_int_equal(code(401, 190), DISP_ACT_STOP_NUMBER);
    assert_int_equal(code(400, 190), DISP_ACT_STOP_NUMBER);
    assert_int_equal(code(403, 10), DISP_ACT_STOP_NUMBER);
    assert_int_equal(code(403, 200), DISP_ACT_STOP_NUMBER);
    assert_int_equal(code(403, 299), DISP_ACT_STOP_NUMBER);
    assert_int_equal(code(403, 300), DISP_ACT_FAILED);
    assert_int_equal(code(401, 0), DISP_ACT_STOP_NUMBER);
}

static void policy_blocks_pause_the_number(void **state)
{
    assert_int_equal(code(400, 131048), DISP_ACT_PAUSE_NUMBER);
    assert_int_equal(code(400, 368), DISP_ACT_PAUSE_NUMBER);
    /* the account or the number, not the recipient: hold everything, fail nobody */
    assert_int_equal(code(400, 131031), DISP_ACT_PAUSE_NUMBER);
    assert_int_equal(code(400, 131042), DISP_ACT_PAUSE_NUMBER);
    assert_int_equal(code(400, 133010), DISP_ACT_PAUSE_NUMBER);
    assert_int_equal(code(400, 131045), DISP_ACT_PAUSE_NUMBER);
    assert_int_equal(code(400, 131037), DISP_ACT_PAUSE_NUMBER);
    assert_string_equal(disp_hold_reason(131042), "payment method problem (business eligibility)");
    assert_null(disp_hold_reason(131026));
}

static void transport_failures(void **state)
{
    assert_int_equal(disp_classify(DISP_TX_NOT_SENT, 0, 0, 0, 0), DISP_ACT_RETRY);
    assert_int_equal(disp_classify(DISP_TX_AMBIGUOUS, 0, 0, 0, 0), DISP_ACT_UNCERTAIN);
    assert_int_equal(disp_classify(DISP_TX_AMBIGUOUS, 0, 0, 0, 1), DISP_ACT_RETRY);
}

static void curl_codes(void **state)
{
    assert_int_equal(disp_transport_of_curl(CURLE_OK, 1), DISP_TX_ANSWERED);
    assert_int_equal(disp_transport_of_curl(CURLE_COULDNT_CONNECT, 0), DISP_TX_NOT_SENT);
    assert_int_equal(disp_transport_of_curl(CURLE_COULDNT_CONNECT, 1), DISP_TX_NOT_SENT);
    assert_int_equal(disp_transport_of_curl(CURLE_OPERATION_TIMEDOUT, 0), DISP_TX_NOT_SENT);
    assert_int_equal(disp_transport_of_curl(CURLE_OPERATION_TIMEDOUT, 1), DISP_TX_AMBIGUOUS);
    assert_int_equal(disp_transport_of_curl(CURLE_RECV_ERROR, 1), DISP_TX_AMBIGUOUS);
    assert_int_equal(disp_transport_of_curl(CURLE_GOT_NOTHING, 1), DISP_TX_AMBIGUOUS);
}

static void names_and_retry_set(void **state)
{
    assert_string_equal(disp_action_name(DISP_ACT_STOP_NUMBER), "stop_number");
    assert_string_equal(disp_action_name(DISP_ACT_UNCERTAIN), "uncertain");
    assert_string_equal(disp_action_name((enum disp_action)99), "unknown");
    assert_true(disp_action_is_retry(DISP_ACT_RETRY));
    assert_true(disp_action_is_retry(DISP_ACT_THROTTLE_NUMBER));
    assert_true(disp_action_is_retry(DISP_ACT_RETRY_RECIPIENT));
    assert_false(disp_action_is_retry(DISP_ACT_UNCERTAIN));
    assert_false(disp_action_is_retry(DISP_ACT_FAILED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success_needs_a_wamid),
        cmocka_unit_test(throughput_codes_throttle_the_number),
        cmocka_unit_test(pair_limit_delays_only_the_recipient),
        cmocka_unit_test(transient_codes_retry),
        cmocka_unit_test(permanent_codes_fail_the_recipient),
        cmocka_unit_test(template_errors_stop_or_pause_the_campaign),
        cmocka_unit_test(token_and_permission_errors_stop_the_number),
        cmocka_unit_test(policy_blocks_pause_the_number),
        cmocka_unit_test(transport_failures),
        cmocka_unit_test(curl_codes),
        cmocka_unit_test(names_and_retry_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
