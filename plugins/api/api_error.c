/*
 * api_error.c - builds the single error shape (see the header for why).
 */
#include "api_error.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

void api_field_error_set(struct api_field_error *e, const char *field, const char *fmt, ...)
{
    va_list ap;
    snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

const char *api_error_code(unsigned status)
{
    switch (status) {
    case 400:
        return "bad_request";
    case 401:
        return "unauthorized";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 409:
        return "conflict";
    case 413:
        return "payload_too_large";
    case 415:
        return "unsupported_media_type";
    case 501:
        return "not_implemented";
    case 503:
        return "unavailable";
    default:
        return "internal";
    }
}

char *api_error_json(unsigned status, const char *message, const char *field)
{
    json_t *err =
        json_pack("{s:s, s:s}", "code", api_error_code(status), "message", message ? message : "");
    if (!err)
        return NULL;
    if (field && *field)
        json_object_set_new(err, "field", json_string(field));
    json_t *root = json_pack("{s:o}", "error", err);
    char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return text;
}
