/*
 * messaging_limit_command.h - the `messaging_limit` command: a limit Meta announced.
 *
 * Why: the webhook gateway turns Meta's business_capability_update (and
 * phone_number_quality_update) into this command on campaign-commands, keyed
 * "messaging-limit", and the segmenter, which owns the limit (messaging_limit.h), follows it.
 * It is the one command that belongs to no campaign, so it has its own shape, checked here,
 * pure, before anything is written:
 *   {"command_id": "...", "type": "messaging_limit", "people": 10000 | null (unlimited),
 *    "announced_at_ms": 1739321024000, "source": "business_capability_update",
 *    "waba_id": "..." (optional, for the log)}
 */
#ifndef HERALD_SEGMENTER_MESSAGING_LIMIT_COMMAND_H
#define HERALD_SEGMENTER_MESSAGING_LIMIT_COMMAND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define MESSAGING_LIMIT_COMMAND "messaging_limit"

struct messaging_limit_command {
    const char *command_id; /* borrowed from the parsed JSON, like every string below */
    int64_t people;         /* 0 = unlimited */
    int64_t announced_at_ms;
    const char *source;
    const char *waba_id; /* "" when not given */
};

/* 1 when `root` is a command of this type (whatever else it holds). */
int messaging_limit_command_is(const json_t *root);

/* Returns 0, or -1 with a one-line reason. */
int messaging_limit_command_parse(const json_t *root, struct messaging_limit_command *out,
                                  char *err, size_t errlen);

#endif
