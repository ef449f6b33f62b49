/*
 * template_status_command.c - shape checks of the `template_status` command (see the header).
 */
#include "template_status_command.h"

#include <stdio.h>
#include <string.h>

/* Unix milliseconds before the year 33658: what a 12-digit seconds timestamp gives. */
#define AT_MS_MAX 999999999999000LL

int template_status_command_is(const json_t *root)
{
    const char *type = json_string_value(json_object_get(root, "type"));
    return type && strcmp(type, TEMPLATE_STATUS_COMMAND) == 0;
}

/* A non-empty string without NUL bytes, at most max bytes; NULL otherwise. */
static const char *bounded_string(const json_t *v, size_t max)
{
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) != json_string_length(v) || strlen(s) > max)
        return NULL;
    return s;
}

static int fail(char *err, size_t errlen, const char *reason)
{
    snprintf(err, errlen, "template_status: %s", reason);
    return -1;
}

static int is_event_name(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || *s == '_'))
            return 0;
    return 1;
}

int template_status_command_parse(const json_t *root, struct template_status_command *out,
                                  char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->command_id = bounded_string(json_object_get(root, "command_id"), 200);
    if (!out->command_id)
        return fail(err, errlen, "command_id must be a non-empty string of at most 200 bytes");
    out->name = bounded_string(json_object_get(root, "template_name"), 512);
    if (!out->name)
        return fail(err, errlen, "template_name must be a non-empty string of at most 512 bytes");
    out->language = bounded_string(json_object_get(root, "template_language"), 32);
    if (!out->language)
        return fail(err, errlen,
                    "template_language must be a non-empty string of at most 32 bytes");
    out->event = bounded_string(json_object_get(root, "event"), 32);
    if (!out->event || !is_event_name(out->event))
        return fail(err, errlen, "event must be an upper-case name such as PAUSED or APPROVED");
    const json_t *reason = json_object_get(root, "reason");
    if (reason && !json_is_null(reason) && !(out->reason = bounded_string(reason, 256)))
        return fail(err, errlen, "reason must be a string of at most 256 bytes");
    const json_t *at = json_object_get(root, "announced_at_ms");
    if (!json_is_integer(at) || json_integer_value(at) <= 0 || json_integer_value(at) > AT_MS_MAX)
        return fail(err, errlen, "announced_at_ms must be a positive integer (unix milliseconds)");
    out->announced_at_ms = json_integer_value(at);
    return 0;
}
