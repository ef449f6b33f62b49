/*
 * meta_command.c - the shared parts of Meta's announcement commands (see the header).
 */
#include "meta_command.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Unix milliseconds before the year 33658: what a 12-digit seconds timestamp gives. */
#define AT_MS_MAX 999999999999000LL

int meta_command_is(const json_t *root, const char *type)
{
    const char *t = json_string_value(json_object_get(root, "type"));
    return t && strcmp(t, type) == 0;
}

const char *meta_command_string(const json_t *v, size_t max)
{
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) != json_string_length(v) || strlen(s) > max)
        return NULL;
    return s;
}

int meta_command_fail(const char *type, const char *reason, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", type, reason);
    return -1;
}

int meta_command_header(const json_t *root, const char *type, const char **command_id,
                        int64_t *announced_at_ms, char *err, size_t errlen)
{
    *command_id = meta_command_string(json_object_get(root, "command_id"), 200);
    if (!*command_id)
        return meta_command_fail(type, "command_id must be a non-empty string of at most 200 bytes",
                                 err, errlen);
    const json_t *at = json_object_get(root, "announced_at_ms");
    if (!json_is_integer(at) || json_integer_value(at) <= 0 || json_integer_value(at) > AT_MS_MAX)
        return meta_command_fail(
            type, "announced_at_ms must be a positive integer (unix milliseconds)", err, errlen);
    *announced_at_ms = json_integer_value(at);
    return 0;
}

void meta_command_time_text(int64_t at_ms, char *out, size_t len)
{
    time_t secs = (time_t)(at_ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(out, len, "%lld ms", (long long)at_ms);
}
