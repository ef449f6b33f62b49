/*
 * HMAC-SHA256 webhook signatures with OpenSSL libcrypto (see mock_signature.h).
 */
#include "mock_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

int mock_signature_header(const char *secret, const void *body, size_t len,
                          char out[MOCK_SIGNATURE_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &mac_len) || mac_len != 32)
        return -1;
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < mac_len; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[8 + 2 * i] = hex[mac[i] & 15];
    }
    out[7 + 2 * mac_len] = '\0';
    return 0;
}

int mock_signature_verify(const char *secret, const void *body, size_t len, const char *header)
{
    char expected[MOCK_SIGNATURE_LEN];
    if (!header || strlen(header) != MOCK_SIGNATURE_LEN - 1 ||
        mock_signature_header(secret, body, len, expected))
        return 0;
    return CRYPTO_memcmp(expected, header, MOCK_SIGNATURE_LEN - 1) == 0;
}
