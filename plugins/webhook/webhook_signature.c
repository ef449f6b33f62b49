/*
 * webhook_signature.c - HMAC-SHA256 of the raw body compared in constant time (CRYPTO_memcmp),
 * one-shot (webhook_signature_valid) or with a key prepared once (webhook_signer, the request
 * path). See webhook_signature.h for why.
 */
#include "webhook_signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define SIG_PREFIX     "sha256="
#define SIG_PREFIX_LEN 7
#define DIGEST_LEN     32

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes exactly 64 hex digits; anything else (short, long, non-hex) fails. */
static int decode_hex_digest(const char *hex, unsigned char out[DIGEST_LEN])
{
    if (strlen(hex) != 2 * DIGEST_LEN)
        return -1;
    for (size_t i = 0; i < DIGEST_LEN; i++) {
        int hi = hex_value(hex[2 * i]);
        int lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

static int compute_digest(const char *secret, const unsigned char *body, size_t body_len,
                          unsigned char out[DIGEST_LEN])
{
    unsigned int out_len = 0;
    static const unsigned char empty = 0;
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), body ? body : &empty, body_len, out,
              &out_len))
        return -1;
    return out_len == DIGEST_LEN ? 0 : -1;
}

/* Decodes the header's digest into given; -1 when the header is missing or malformed. */
static int parse_header(const char *header, unsigned char given[DIGEST_LEN])
{
    if (!header || strncmp(header, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
        return -1;
    return decode_hex_digest(header + SIG_PREFIX_LEN, given);
}

int webhook_signature_valid(const char *header, const char *secret, const unsigned char *body,
                            size_t body_len)
{
    unsigned char expected[DIGEST_LEN];
    unsigned char given[DIGEST_LEN];
    if (!secret || !*secret || parse_header(header, given) != 0)
        return 0;
    if (compute_digest(secret, body, body_len, expected) != 0)
        return 0;
    return CRYPTO_memcmp(expected, given, DIGEST_LEN) == 0;
}

struct webhook_signer {
    EVP_MAC *mac;
    EVP_MAC_CTX *keyed; /* initialised with the secret; duplicated per verification */
};

void webhook_signer_free(struct webhook_signer *signer)
{
    if (!signer)
        return;
    EVP_MAC_CTX_free(signer->keyed);
    EVP_MAC_free(signer->mac);
    free(signer);
}

struct webhook_signer *webhook_signer_new(const char *secret)
{
    if (!secret || !*secret)
        return NULL;
    struct webhook_signer *signer = calloc(1, sizeof(*signer));
    if (!signer)
        return NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    signer->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    signer->keyed = signer->mac ? EVP_MAC_CTX_new(signer->mac) : NULL;
    if (!signer->keyed ||
        !EVP_MAC_init(signer->keyed, (const unsigned char *)secret, strlen(secret), params)) {
        webhook_signer_free(signer);
        return NULL;
    }
    return signer;
}

int webhook_signer_valid(const struct webhook_signer *signer, const char *header,
                         const unsigned char *body, size_t body_len)
{
    unsigned char expected[DIGEST_LEN];
    unsigned char given[DIGEST_LEN];
    if (!signer || parse_header(header, given) != 0)
        return 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(signer->keyed);
    size_t out_len = 0;
    static const unsigned char empty = 0;
    int ok = ctx && EVP_MAC_update(ctx, body ? body : &empty, body_len) &&
             EVP_MAC_final(ctx, expected, &out_len, sizeof(expected)) && out_len == DIGEST_LEN;
    EVP_MAC_CTX_free(ctx);
    return ok && CRYPTO_memcmp(expected, given, DIGEST_LEN) == 0;
}

int webhook_signature_format(const char *secret, const unsigned char *body, size_t body_len,
                             char out[72])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[DIGEST_LEN];
    if (!secret || compute_digest(secret, body, body_len, digest) != 0)
        return -1;
    memcpy(out, SIG_PREFIX, SIG_PREFIX_LEN);
    for (size_t i = 0; i < DIGEST_LEN; i++) {
        out[SIG_PREFIX_LEN + 2 * i] = digits[digest[i] >> 4];
        out[SIG_PREFIX_LEN + 2 * i + 1] = digits[digest[i] & 15];
    }
    out[SIG_PREFIX_LEN + 2 * DIGEST_LEN] = '\0';
    return 0;
}
