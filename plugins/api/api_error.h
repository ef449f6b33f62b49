/*
 * api_error.h - the one JSON error shape of the control API:
 *     {"error":{"code":"bad_request","message":"...","field":"template.name"}}
 *
 * Why: clients (herald-ctl, the dashboard, scripts) handle every failure the same way; the
 * `field` names the offending input so a form can point at it. `code` follows the status.
 */
#ifndef HERALD_API_ERROR_H
#define HERALD_API_ERROR_H

#include <stddef.h>

/* What a validator reports: which field and why. Empty field = the request as a whole. */
struct api_field_error {
    char field[96];
    char message[256];
};

void api_field_error_set(struct api_field_error *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Short machine code for an HTTP status: 400 bad_request, 401 unauthorized, 404 not_found,
 * 405 method_not_allowed, 409 conflict, 413 payload_too_large, 415 unsupported_media_type,
 * 501 not_implemented, 503 unavailable, anything else internal. */
const char *api_error_code(unsigned status);

/* The error body as a heap string (free() it); `field` may be NULL or "". NULL on OOM. */
char *api_error_json(unsigned status, const char *message, const char *field);

#endif
