/*
 * test_webhook_verification.c - the GET handshake answers only the exact subscribe request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "webhook_verification.h"

static void answers_challenge_for_right_token(void **state)
{
    assert_string_equal(webhook_verification_answer("subscribe", "tok", "1158201444", "tok"),
                        "1158201444");
}

static void refuses_everything_else(void **state)
{
    assert_null(webhook_verification_answer("subscribe", "to", "c", "tok"));
    assert_null(webhook_verification_answer("subscribe", "tokk", "c", "tok"));
    assert_null(webhook_verification_answer("subscribe", "Tok", "c", "tok"));
    assert_null(webhook_verification_answer("unsubscribe", "tok", "c", "tok"));
    assert_null(webhook_verification_answer(NULL, "tok", "c", "tok"));
    assert_null(webhook_verification_answer("subscribe", NULL, "c", "tok"));
    assert_null(webhook_verification_answer("subscribe", "tok", NULL, "tok"));
    assert_null(webhook_verification_answer("subscribe", "tok", "", "tok"));
}

static void empty_configured_token_refuses_all(void **state)
{
    assert_null(webhook_verification_answer("subscribe", "", "c", ""));
    assert_null(webhook_verification_answer("subscribe", "x", "c", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_challenge_for_right_token),
        cmocka_unit_test(refuses_everything_else),
        cmocka_unit_test(empty_configured_token_refuses_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
