/*
 * waba_number_command.c - shape checks of the `waba_number` command (see the header).
 */
#include "waba_number_command.h"

#include <string.h>

#include "meta_command.h"

int waba_number_command_is(const json_t *root)
{
    return meta_command_is(root, WABA_NUMBER_COMMAND);
}

int waba_number_command_parse(const json_t *root, struct waba_number_command *out, char *err,
                              size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (meta_command_header(root, WABA_NUMBER_COMMAND, &out->command_id, &out->announced_at_ms, err,
                            errlen) != 0)
        return -1;
    out->phone_number_id = meta_command_string(json_object_get(root, "phone_number_id"), 64);
    if (!out->phone_number_id)
        return meta_command_fail(WABA_NUMBER_COMMAND,
                                 "phone_number_id must be a non-empty string of at most 64 bytes",
                                 err, errlen);
    out->waba_id = meta_command_string(json_object_get(root, "waba_id"), 64);
    if (!out->waba_id)
        return meta_command_fail(WABA_NUMBER_COMMAND,
                                 "waba_id must be a non-empty string of at most 64 bytes", err,
                                 errlen);
    return 0;
}
