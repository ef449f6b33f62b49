/*
 * webhook_template_status.h - a template's new status out of a message_template_status_update.
 *
 * Why: Meta pauses a template whose quality dropped (PAUSED: 3 hours the first time, 6 the
 * second), approves it again when the pause ends (APPROVED), and disables, rejects or deletes
 * templates. A campaign on a paused template only collects 132015 answers; the segmenter pauses
 * and resumes such campaigns on Meta's word (migrations/019_template_status.sql). This reads the
 * change, pure and unit-tested; what is too long or malformed to name a template is not read.
 */
#ifndef HERALD_WEBHOOK_TEMPLATE_STATUS_H
#define HERALD_WEBHOOK_TEMPLATE_STATUS_H

#include <jansson.h>

#define WEBHOOK_TEMPLATE_NAME_MAX     512
#define WEBHOOK_TEMPLATE_LANGUAGE_MAX 32
#define WEBHOOK_TEMPLATE_EVENT_MAX    32
#define WEBHOOK_TEMPLATE_REASON_MAX   256

/* Borrowed from the parsed value. reason and template_id may be NULL. */
struct webhook_template_status {
    const json_t *name;
    const json_t *language;
    const json_t *event; /* upper-case letters and '_' only */
    const json_t *reason;
    const json_t *template_id; /* an integer, or NULL */
};

/* `v` when it is a non-empty string of at most max bytes without NUL, else NULL (also for the
 * WABA id that names an announcement, webhook_commands.c). */
const json_t *webhook_bounded_string(const json_t *v, size_t max);

/* 1 and *out filled when a change of `field` with `value` announces a template status. */
int webhook_template_status_read(const char *field, const json_t *value,
                                 struct webhook_template_status *out);

#endif
