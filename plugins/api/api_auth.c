/*
 * api_auth.c - constant-time bearer token check (see the header for why).
 */
#include "api_auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

int api_auth_init(struct api_auth *auth, const char *token)
{
    memset(auth, 0, sizeof(*auth));
    if (!token || !*token)
        return -1;
    SHA256((const unsigned char *)token, strlen(token), auth->token_digest);
    auth->configured = 1;
    return 0;
}

int api_auth_check(const struct api_auth *auth, const char *authorization)
{
    unsigned char given[API_AUTH_DIGEST_LEN];
    if (!auth->configured || !authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return 0;
    const char *token = authorization + 7;
    if (!*token)
        return 0;
    SHA256((const unsigned char *)token, strlen(token), given);
    return CRYPTO_memcmp(given, auth->token_digest, API_AUTH_DIGEST_LEN) == 0;
}
