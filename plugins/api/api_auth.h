/*
 * api_auth.h - the bearer-token check in front of every /api call.
 *
 * Why: the control API starts and stops mass sends; a token compare that leaks timing (or
 * length) would let an attacker guess it. Both sides are hashed with SHA-256 and the digests
 * compared with CRYPTO_memcmp, so the time taken depends on neither content nor length.
 */
#ifndef HERALD_API_AUTH_H
#define HERALD_API_AUTH_H

#define API_AUTH_DIGEST_LEN 32

struct api_auth {
    unsigned char token_digest[API_AUTH_DIGEST_LEN];
    int configured;
};

/* Remembers the digest of `token`. Returns -1 for a NULL/empty token (refuse to start). */
int api_auth_init(struct api_auth *auth, const char *token);

/* 1 when `authorization` is "Bearer <token>" with the configured token (scheme
 * case-insensitive, single space), else 0. */
int api_auth_check(const struct api_auth *auth, const char *authorization);

#endif
