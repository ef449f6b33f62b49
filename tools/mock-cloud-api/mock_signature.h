/*
 * X-Hub-Signature-256: "sha256=" + lowercase hex HMAC-SHA256 of the exact raw body bytes,
 * keyed with the app secret — what Meta sends and what Herald's webhook gateway verifies.
 * The verify function (constant-time) exists so unit tests can check both directions.
 */
#ifndef MOCK_SIGNATURE_H
#define MOCK_SIGNATURE_H

#include <stddef.h>

/* "sha256=" + 64 hex digits + NUL */
#define MOCK_SIGNATURE_LEN 72

/* Writes the header value into out. Returns 0, -1 on a libcrypto failure. */
int mock_signature_header(const char *secret, const void *body, size_t len,
                          char out[MOCK_SIGNATURE_LEN]);

/* 1 when header is the right signature of body, else 0. Constant time in the digest. */
int mock_signature_verify(const char *secret, const void *body, size_t len, const char *header);

#endif
