/*
 * webhook_verification.h - the GET handshake Meta performs when a webhook URL is registered.
 *
 * Why: Meta proves we own the endpoint by sending hub.mode=subscribe, our verify token and a
 * challenge we must echo. Kept pure so the decision is unit-tested apart from HTTP.
 */
#ifndef HERALD_WEBHOOK_VERIFICATION_H
#define HERALD_WEBHOOK_VERIFICATION_H

/* Returns the challenge to echo (borrowed from the arguments) when mode is "subscribe", the
 * token equals `configured_token` (constant-time) and a challenge is present; NULL means 403.
 * An empty or NULL configured token refuses every handshake. */
const char *webhook_verification_answer(const char *mode, const char *token, const char *challenge,
                                        const char *configured_token);

#endif
