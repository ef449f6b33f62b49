/*
 * messaging_limit_command.c - shape checks of the `messaging_limit` command (see the header).
 */
#include "messaging_limit_command.h"

#include <stdio.h>
#include <string.h>

/* messaging_limit_setting.people is an integer column; Meta's largest tier is 100,000. */
#define PEOPLE_MAX 2000000000LL
/* Unix milliseconds before the year 33658: what a 12-digit seconds timestamp gives. */
#define AT_MS_MAX 999999999999000LL

int messaging_limit_command_is(const json_t *root)
{
    const char *type = json_string_value(json_object_get(root, "type"));
    return type && strcmp(type, MESSAGING_LIMIT_COMMAND) == 0;
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
    snprintf(err, errlen, "messaging_limit: %s", reason);
    return -1;
}

int messaging_limit_command_parse(const json_t *root, struct messaging_limit_command *out,
                                  char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->waba_id = "";
    out->command_id = bounded_string(json_object_get(root, "command_id"), 200);
    if (!out->command_id)
        return fail(err, errlen, "command_id must be a non-empty string of at most 200 bytes");
    const json_t *people = json_object_get(root, "people");
    if (json_is_integer(people) && json_integer_value(people) > 0 &&
        json_integer_value(people) <= PEOPLE_MAX)
        out->people = json_integer_value(people);
    else if (!json_is_null(people))
        return fail(err, errlen, "people must be a positive integer, or null for no limit");
    const json_t *at = json_object_get(root, "announced_at_ms");
    if (!json_is_integer(at) || json_integer_value(at) <= 0 || json_integer_value(at) > AT_MS_MAX)
        return fail(err, errlen, "announced_at_ms must be a positive integer (unix milliseconds)");
    out->announced_at_ms = json_integer_value(at);
    out->source = bounded_string(json_object_get(root, "source"), 64);
    if (!out->source)
        return fail(err, errlen, "source must be a non-empty string of at most 64 bytes");
    const json_t *waba = json_object_get(root, "waba_id");
    if (waba && !(out->waba_id = bounded_string(waba, 64)))
        return fail(err, errlen, "waba_id must be a non-empty string of at most 64 bytes");
    return 0;
}
