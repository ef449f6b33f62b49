/*
 * X-Hub-Signature-256 must be the hex HMAC-SHA256 of the raw body; checked against the
 * RFC 4231 test vector so both the mock and the gateway agree with the standard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "mock_signature.h"

static void rfc4231_case_2(void **state)
{
    char sig[MOCK_SIGNATURE_LEN];
    const char *data = "what do ya want for nothing?";
    assert_int_equal(mock_signature_header("Jefe", data, strlen(data), sig), 0);
    assert_string_equal(sig,
                        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void verify_accepts_only_the_exact_body_and_secret(void **state)
{
    char sig[MOCK_SIGNATURE_LEN];
    const char body[] = "{\"object\":\"whatsapp_business_account\"}";
    mock_signature_header("s3cret", body, strlen(body), sig);
    assert_int_equal(mock_signature_verify("s3cret", body, strlen(body), sig), 1);
    assert_int_equal(mock_signature_verify("s3creT", body, strlen(body), sig), 0);
    assert_int_equal(mock_signature_verify("s3cret", body, strlen(body) - 1, sig), 0);
    assert_int_equal(mock_signature_verify("s3cret", body, strlen(body), NULL), 0);
    assert_int_equal(mock_signature_verify("s3cret", body, strlen(body), "sha256=00"), 0);
    sig[20] = sig[20] == 'a' ? 'b' : 'a';
    assert_int_equal(mock_signature_verify("s3cret", body, strlen(body), sig), 0);
}

static void body_with_nul_bytes_is_signed_whole(void **state)
{
    char a[MOCK_SIGNATURE_LEN], b[MOCK_SIGNATURE_LEN];
    const char body[] = {'x', '\0', 'y'};
    mock_signature_header("k", body, 3, a);
    mock_signature_header("k", body, 1, b);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4231_case_2),
        cmocka_unit_test(verify_accepts_only_the_exact_body_and_secret),
        cmocka_unit_test(body_with_nul_bytes_is_signed_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
