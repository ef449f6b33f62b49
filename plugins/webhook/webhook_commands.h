/*
 * webhook_commands.h - the commands the webhook gateway puts on `campaign-commands`.
 *
 * Why: most of what Meta posts is about messages (statuses, replies: delivery-events and
 * replies), but two kinds of change are about the account and belong to the segmenter, which
 * owns campaigns and the messaging limit: a new messaging limit (webhook_capability.h) and a
 * template's new status (webhook_template_status.h). They travel as commands that belong to no
 * campaign (docs/architecture.md), keyed so that one subject's announcements stay in order,
 * each stamped with the entry's time so the segmenter can ignore one older than what it
 * already applied, and named after the announcement so a redelivered webhook is the same
 * command. The JSON texts returned here are the caller's to free (NULL: out of memory).
 */
#ifndef HERALD_WEBHOOK_COMMANDS_H
#define HERALD_WEBHOOK_COMMANDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "webhook_capability.h"
#include "webhook_template_status.h"

#define WEBHOOK_LIMIT_KEY "messaging-limit"

/* {"type":"messaging_limit","people":N|null,...}; `source` is the change's field. */
char *webhook_limit_command(const json_t *entry, const char *source, enum webhook_limit limit,
                            int64_t people, int64_t now_ms);

/* {"type":"template_status","template_name":...,"event":...}; its key ("template:<name>:<lang>")
 * is written to key (keylen bytes). */
char *webhook_template_command(const json_t *entry, const struct webhook_template_status *t,
                               int64_t now_ms, char *key, size_t keylen);

#endif
