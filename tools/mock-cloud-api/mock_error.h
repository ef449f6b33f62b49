/*
 * Meta Graph API errors: the code -> title table and the exact error JSON shape
 * {"error":{"message":"(#code) title","type":"OAuthException","code":N,
 *           "error_data":{"messaging_product":"whatsapp","details":"..."},"fbtrace_id":"..."}}
 *
 * Clients must classify by code, so every rejection in the mock goes through here and uses
 * the real code, title and HTTP status.
 */
#ifndef MOCK_ERROR_H
#define MOCK_ERROR_H

#include <stddef.h>

typedef struct mock_error {
    int http_status;
    int code;
    int subcode; /* 0 = none */
    char details[512];
} mock_error_t;

/* Fills err; details is printf-formatted. */
void mock_error_set(mock_error_t *err, int http_status, int code, const char *details_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Title Meta uses for a code ("Rate limit hit" for 130429); generic text for unknown codes. */
const char *mock_error_title(int code);

/* Writes a random 11-character fbtrace_id (plus NUL) into out[12]. */
void mock_error_fbtrace_id(char out[12]);

/* The error JSON; malloc'd string owned by the caller. */
char *mock_error_json(const mock_error_t *err, const char *fbtrace_id);

#endif
