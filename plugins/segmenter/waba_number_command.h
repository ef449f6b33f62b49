/*
 * waba_number_command.h - the `waba_number` command: which WABA a business number belongs to.
 *
 * Why: a campaign names its phone number, a template announcement names its WABA, and template
 * names are unique only within a WABA. Meta says which WABA a number belongs to in every status
 * and message webhook; the webhook gateway passes each pair on about once an hour as this
 * command on campaign-commands, keyed "number:<phone_number_id>" (webhook_commands.h), and the
 * segmenter records it (waba_number.h) so that template announcements reach only their WABA's
 * campaigns. Like the other announcements it belongs to no campaign; its shape is checked here:
 *   {"command_id": "...", "type": "waba_number", "phone_number_id": "1098765",
 *    "waba_id": "524126980791429", "announced_at_ms": 1764300000000}
 */
#ifndef HERALD_SEGMENTER_WABA_NUMBER_COMMAND_H
#define HERALD_SEGMENTER_WABA_NUMBER_COMMAND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define WABA_NUMBER_COMMAND "waba_number"

struct waba_number_command {
    const char *command_id; /* borrowed from the parsed JSON, like every string below */
    const char *phone_number_id;
    const char *waba_id;
    int64_t announced_at_ms;
};

/* 1 when `root` is a command of this type (whatever else it holds). */
int waba_number_command_is(const json_t *root);

/* Returns 0, or -1 with a one-line reason. */
int waba_number_command_parse(const json_t *root, struct waba_number_command *out, char *err,
                              size_t errlen);

#endif
