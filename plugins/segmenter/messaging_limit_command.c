/*
 * messaging_limit_command.c - shape checks of the `messaging_limit` command (see the header).
 */
#include "messaging_limit_command.h"

#include <string.h>

#include "meta_command.h"

/* messaging_limit_setting.people is an integer column; Meta's largest tier is 100,000. */
#define PEOPLE_MAX 2000000000LL

int messaging_limit_command_is(const json_t *root)
{
    return meta_command_is(root, MESSAGING_LIMIT_COMMAND);
}

int messaging_limit_command_parse(const json_t *root, struct messaging_limit_command *out,
                                  char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->waba_id = "";
    if (meta_command_header(root, MESSAGING_LIMIT_COMMAND, &out->command_id, &out->announced_at_ms,
                            err, errlen) != 0)
        return -1;
    const json_t *people = json_object_get(root, "people");
    if (json_is_integer(people) && json_integer_value(people) > 0 &&
        json_integer_value(people) <= PEOPLE_MAX)
        out->people = json_integer_value(people);
    else if (!json_is_null(people))
        return meta_command_fail(MESSAGING_LIMIT_COMMAND,
                                 "people must be a positive integer, or null for no limit", err,
                                 errlen);
    out->source = meta_command_string(json_object_get(root, "source"), 64);
    if (!out->source)
        return meta_command_fail(MESSAGING_LIMIT_COMMAND,
                                 "source must be a non-empty string of at most 64 bytes", err,
                                 errlen);
    const json_t *waba = json_object_get(root, "waba_id");
    if (waba && !(out->waba_id = meta_command_string(waba, 64)))
        return meta_command_fail(MESSAGING_LIMIT_COMMAND,
                                 "waba_id must be a non-empty string of at most 64 bytes", err,
                                 errlen);
    return 0;
}
