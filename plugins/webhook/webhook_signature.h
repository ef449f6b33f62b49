/*
 * webhook_signature.h - checks Meta's X-Hub-Signature-256 header against the raw request body.
 *
 * Why: the webhook endpoint is public; only the signature proves a POST came from Meta. The
 * check runs over the exact bytes received (never a re-serialised JSON) and compares in
 * constant time so an attacker cannot learn the expected digest byte by byte.
 */
#ifndef HERALD_WEBHOOK_SIGNATURE_H
#define HERALD_WEBHOOK_SIGNATURE_H

#include <stddef.h>

/* Returns 1 when `header` is "sha256=<64 hex digits>" (hex in any case) and equals
 * HMAC-SHA256(secret, body); 0 otherwise, including a NULL/empty header or secret. */
int webhook_signature_valid(const char *header, const char *secret, const unsigned char *body,
                            size_t body_len);

/* A verifier keyed once with the app secret, for the request path: OpenSSL 3's one-shot
 * HMAC() fetches the algorithm and sets the key up on every call (~2/3 of its cost for a
 * status webhook); a keyed template duplicated per request skips both. Safe to share between
 * threads (only read after creation). */
struct webhook_signer;

/* NULL when `secret` is NULL/empty or OpenSSL fails. Free with webhook_signer_free. */
struct webhook_signer *webhook_signer_new(const char *secret);
void webhook_signer_free(struct webhook_signer *signer);
/* Same answer as webhook_signature_valid() with the signer's secret; 0 for a NULL signer. */
int webhook_signer_valid(const struct webhook_signer *signer, const char *header,
                         const unsigned char *body, size_t body_len);

/* Writes "sha256=<lowercase hex>" (71 chars + NUL) into out, which must hold 72 bytes.
 * Used by tests and the benchmark's request generator. Returns 0, -1 on failure. */
int webhook_signature_format(const char *secret, const unsigned char *body, size_t body_len,
                             char out[72]);

#endif
