/*
 * test_webhook_signature.c - X-Hub-Signature-256 checks against digests computed
 * independently (Python hmac), plus every malformed header shape we could think of. Every check
 * runs through both the one-shot function and the keyed webhook_signer (the request path),
 * which must always agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "webhook_signature.h"

#define HELLO_SIG "sha256=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b"

static const unsigned char *u(const char *s)
{
    return (const unsigned char *)s;
}

/* webhook_signature_valid(), after asserting that a signer keyed with `secret` agrees. */
static int both_valid(const char *header, const char *secret, const unsigned char *body, size_t len)
{
    int one_shot = webhook_signature_valid(header, secret, body, len);
    struct webhook_signer *signer = webhook_signer_new(secret);
    assert_true(signer != NULL || !secret || !*secret);
    assert_int_equal(webhook_signer_valid(signer, header, body, len), one_shot);
    webhook_signer_free(signer);
    return one_shot;
}

static void accepts_known_digest(void **state)
{
    assert_true(both_valid(HELLO_SIG, "secret", u("hello"), 5));
}

static void accepts_uppercase_hex(void **state)
{
    assert_true(
        both_valid("sha256=88AAB3EDE8D3ADF94D26AB90D3BAFD4A2083070C3BCCE9C014EE04A443847C0B",
                   "secret", u("hello"), 5));
}

static void covers_raw_bytes_including_nul(void **state)
{
    const char body[] = {'a', '\0', 'b'};
    assert_true(
        both_valid("sha256=982872ff8422d2d84de2d26d7900850ff9f3b3275079b02813b572f9ff0ef0b2", "k",
                   u(body), 3));
    /* the same bytes cut at the NUL must not verify */
    assert_false(
        both_valid("sha256=982872ff8422d2d84de2d26d7900850ff9f3b3275079b02813b572f9ff0ef0b2", "k",
                   u(body), 1));
}

static void empty_body_has_a_signature_too(void **state)
{
    assert_true(both_valid(
        "sha256=8bb990c40a7d61cb97597a942125025be50ac8beb74436e3735b98893a7f6620", "k", NULL, 0));
}

static void rejects_wrong_secret_and_changed_body(void **state)
{
    assert_false(both_valid(HELLO_SIG, "secreT", u("hello"), 5));
    assert_false(both_valid(HELLO_SIG, "secret", u("hellO"), 5));
    assert_false(both_valid(HELLO_SIG, "secret", u("hello "), 6));
}

static void rejects_every_flipped_digit(void **state)
{
    char sig[sizeof(HELLO_SIG)];
    for (size_t i = 7; i < sizeof(HELLO_SIG) - 1; i++) {
        memcpy(sig, HELLO_SIG, sizeof(sig));
        sig[i] = sig[i] == '0' ? '1' : '0';
        assert_false(both_valid(sig, "secret", u("hello"), 5));
    }
}

static void rejects_malformed_headers(void **state)
{
    const char *bad[] = {
        NULL,
        "",
        "sha256=",
        "88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b",
        "sha1=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b",
        "SHA256=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b",
        "sha256=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0",
        "sha256=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b0",
        "sha256=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0g",
        "sha256= 88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b",
        "sha256=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b ",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(both_valid(bad[i], "secret", u("hello"), 5));
}

static void rejects_empty_secret(void **state)
{
    char sig[72];
    assert_int_equal(webhook_signature_format("", u("hello"), 5, sig), 0);
    assert_false(both_valid(sig, "", u("hello"), 5));
    assert_false(both_valid(sig, NULL, u("hello"), 5));
}

static void format_round_trips(void **state)
{
    char sig[72];
    assert_int_equal(webhook_signature_format("secret", u("hello"), 5, sig), 0);
    assert_string_equal(sig, HELLO_SIG);
    assert_true(both_valid(sig, "secret", u("hello"), 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_known_digest),
        cmocka_unit_test(accepts_uppercase_hex),
        cmocka_unit_test(covers_raw_bytes_including_nul),
        cmocka_unit_test(empty_body_has_a_signature_too),
        cmocka_unit_test(rejects_wrong_secret_and_changed_body),
        cmocka_unit_test(rejects_every_flipped_digit),
        cmocka_unit_test(rejects_malformed_headers),
        cmocka_unit_test(rejects_empty_secret),
        cmocka_unit_test(format_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
