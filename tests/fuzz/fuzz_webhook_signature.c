/*
 * fuzz_webhook_signature.c - libFuzzer harness for the X-Hub-Signature-256 check
 * (plugins/webhook/webhook_signature.c): the first thing that touches an unauthenticated
 * POST, so it must survive any header and any body.
 *
 * Input layout: <header>\n<secret>\n<body...>. Checks: a header the fuzzer made up is
 * accepted only if it really is the HMAC (i.e. equals the formatted one, ignoring hex case);
 * the formatted signature is always accepted; flipping its first or last digit is refused;
 * the keyed signer the request path uses (webhook_signer_*) answers exactly like the one-shot
 * check.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "webhook_signature.h"

/* Copies data[*pos .. next '\n') into a NUL-terminated heap string and moves past it. */
static char *take_line(const uint8_t *data, size_t size, size_t *pos)
{
    size_t start = *pos, end = start;
    while (end < size && data[end] != '\n')
        end++;
    char *s = malloc(end - start + 1);
    if (!s)
        abort();
    memcpy(s, data + start, end - start);
    s[end - start] = '\0';
    *pos = end < size ? end + 1 : end;
    return s;
}

static void check_known_good(const char *secret, const uint8_t *body, size_t body_len)
{
    char good[72];
    FUZZ_CHECK(webhook_signature_format(secret, body, body_len, good) == 0);
    FUZZ_CHECK(webhook_signature_valid(good, secret, body, body_len) == 1);
    char bad[72];
    memcpy(bad, good, sizeof bad);
    bad[7] = bad[7] == '0' ? '1' : '0';
    FUZZ_CHECK(webhook_signature_valid(bad, secret, body, body_len) == 0);
    memcpy(bad, good, sizeof bad);
    bad[70] = bad[70] == '0' ? '1' : '0';
    FUZZ_CHECK(webhook_signature_valid(bad, secret, body, body_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    char *header = take_line(data, size, &pos);
    char *secret = take_line(data, size, &pos);
    const uint8_t *body = data + pos;
    size_t body_len = size - pos;

    int ok = webhook_signature_valid(header, secret, body, body_len);
    /* The request path uses a signer keyed once; it must give the same answer. */
    struct webhook_signer *signer = webhook_signer_new(secret);
    FUZZ_CHECK((signer != NULL) == (secret[0] != '\0'));
    FUZZ_CHECK(webhook_signer_valid(signer, header, body, body_len) == ok);
    FUZZ_CHECK(webhook_signer_valid(signer, NULL, body, body_len) == 0);
    webhook_signer_free(signer);
    if (secret[0]) {
        check_known_good(secret, body, body_len);
        if (ok) {
            char good[72];
            FUZZ_CHECK(webhook_signature_format(secret, body, body_len, good) == 0);
            FUZZ_CHECK(strlen(header) == 71 && strcasecmp(header, good) == 0);
        }
    } else {
        FUZZ_CHECK(ok == 0);
    }
    /* NULL header / secret are documented as "refuse", not crash. */
    FUZZ_CHECK(webhook_signature_valid(NULL, secret, body, body_len) == 0);
    FUZZ_CHECK(webhook_signature_valid(header, NULL, body, body_len) == 0);
    free(header);
    free(secret);
    return 0;
}
