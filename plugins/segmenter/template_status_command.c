/*
 * template_status_command.c - shape checks of the `template_status` command (see the header).
 */
#include "template_status_command.h"

#include <string.h>

#include "meta_command.h"

int template_status_command_is(const json_t *root)
{
    return meta_command_is(root, TEMPLATE_STATUS_COMMAND);
}

static int is_event_name(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || *s == '_'))
            return 0;
    return 1;
}

static int fail(const char *reason, char *err, size_t errlen)
{
    return meta_command_fail(TEMPLATE_STATUS_COMMAND, reason, err, errlen);
}

int template_status_command_parse(const json_t *root, struct template_status_command *out,
                                  char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (meta_command_header(root, TEMPLATE_STATUS_COMMAND, &out->command_id, &out->announced_at_ms,
                            err, errlen) != 0)
        return -1;
    out->name = meta_command_string(json_object_get(root, "template_name"), 512);
    if (!out->name)
        return fail("template_name must be a non-empty string of at most 512 bytes", err, errlen);
    out->language = meta_command_string(json_object_get(root, "template_language"), 32);
    if (!out->language)
        return fail("template_language must be a non-empty string of at most 32 bytes", err,
                    errlen);
    out->event = meta_command_string(json_object_get(root, "event"), 32);
    if (!out->event || !is_event_name(out->event))
        return fail("event must be an upper-case name such as PAUSED or APPROVED", err, errlen);
    const json_t *reason = json_object_get(root, "reason");
    if (reason && !json_is_null(reason) && !(out->reason = meta_command_string(reason, 256)))
        return fail("reason must be a string of at most 256 bytes", err, errlen);
    const json_t *waba = json_object_get(root, "waba_id");
    if (waba && !json_is_null(waba) && !(out->waba_id = meta_command_string(waba, 64)))
        return fail("waba_id must be a string of at most 64 bytes", err, errlen);
    return 0;
}
