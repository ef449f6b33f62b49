/*
 * Token check (see mock_auth.h). The comparison runs in constant time so the mock does not
 * teach anyone a habit the real gateway must not have.
 */
#include "mock_auth.h"

#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

#define UNAUTHORIZED 401

int mock_auth_check(const mock_config_t *cfg, const char *authorization, int64_t now_wall_ms,
                    mock_error_t *err)
{
    const char *token = NULL;
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0)
        token = authorization + 7;
    if (cfg->token[0]) {
        if (!token || !*token) {
            mock_error_set(err, UNAUTHORIZED, 190,
                           "An active access token must be used to query information about "
                           "the current user.");
            return -1;
        }
        size_t n = strlen(cfg->token);
        if (strlen(token) != n || CRYPTO_memcmp(token, cfg->token, n) != 0) {
            mock_error_set(err, UNAUTHORIZED, 190,
                           "Invalid OAuth access token - Cannot parse access token");
            return -1;
        }
    }
    if (cfg->token_expired ||
        (cfg->token_expires_at_ms > 0 && now_wall_ms >= cfg->token_expires_at_ms)) {
        mock_error_set(err, UNAUTHORIZED, 190,
                       "Error validating access token: Session has expired. The current time "
                       "is after the token's expiry time.");
        err->subcode = 463;
        return -1;
    }
    return 0;
}
