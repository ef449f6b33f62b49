/*
 * Bearer token check of the send endpoint. A missing, wrong or expired token answers code
 * 190 (OAuthException) with HTTP 401; expiry can be switched on at runtime
 * (token_expired / token_expires_at_ms) to test how a sender stops and alerts.
 */
#ifndef MOCK_AUTH_H
#define MOCK_AUTH_H

#include "mock_config.h"
#include "mock_error.h"

#include <stdint.h>

/* 0 when authorised; -1 with err filled otherwise. */
int mock_auth_check(const mock_config_t *cfg, const char *authorization, int64_t now_wall_ms,
                    mock_error_t *err);

#endif
