/*
 * webhook_verification.c - decides the GET verification handshake (see the header for why).
 */
#include "webhook_verification.h"

#include <openssl/crypto.h>
#include <string.h>

const char *webhook_verification_answer(const char *mode, const char *token, const char *challenge,
                                        const char *configured_token)
{
    if (!mode || !token || !challenge || !configured_token || !*configured_token)
        return NULL;
    if (strcmp(mode, "subscribe") != 0 || !*challenge)
        return NULL;
    size_t len = strlen(configured_token);
    /* Length is not secret-dependent enough to matter; the bytes are compared in constant time. */
    if (strlen(token) != len || CRYPTO_memcmp(token, configured_token, len) != 0)
        return NULL;
    return challenge;
}
