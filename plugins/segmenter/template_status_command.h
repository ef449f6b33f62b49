/*
 * template_status_command.h - the `template_status` command: a template's status Meta announced.
 *
 * Why: the webhook gateway turns Meta's message_template_status_update into this command on
 * campaign-commands, keyed "template:<name>:<language>" (webhook_commands.h), and the segmenter
 * pauses, resumes or fails the campaigns on that template (template_status.h). Like
 * `messaging_limit` it belongs to no campaign, so its shape is checked here, pure:
 *   {"command_id": "...", "type": "template_status", "template_name": "spring_sale",
 *    "template_language": "en_US", "event": "PAUSED", "reason": "..." (optional),
 *    "announced_at_ms": 1764300000000, "waba_id": "..." (optional)}
 */
#ifndef HERALD_SEGMENTER_TEMPLATE_STATUS_COMMAND_H
#define HERALD_SEGMENTER_TEMPLATE_STATUS_COMMAND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TEMPLATE_STATUS_COMMAND "template_status"

struct template_status_command {
    const char *command_id; /* borrowed from the parsed JSON, like every string below */
    const char *name;
    const char *language;
    const char *event;   /* upper case, e.g. PAUSED, APPROVED, DISABLED */
    const char *reason;  /* NULL when not given */
    const char *waba_id; /* the WABA whose template it is; NULL when not given */
    int64_t announced_at_ms;
};

/* 1 when `root` is a command of this type (whatever else it holds). */
int template_status_command_is(const json_t *root);

/* Returns 0, or -1 with a one-line reason. */
int template_status_command_parse(const json_t *root, struct template_status_command *out,
                                  char *err, size_t errlen);

#endif
