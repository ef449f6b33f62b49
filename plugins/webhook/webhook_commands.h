/*
 * webhook_commands.h - the commands the webhook gateway puts on `campaign-commands`.
 *
 * Why: most of what Meta posts is about messages (statuses, replies: delivery-events and
 * replies), but some of it is about the account and belongs to the segmenter, which owns
 * campaigns and the messaging limit: a new messaging limit (webhook_capability.h), a template's
 * new status (webhook_template_status.h) and which WABA a business number belongs to
 * (webhook_numbers.h). They travel as commands that belong to no
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

struct webhook_number;

#define WEBHOOK_LIMIT_KEY "messaging-limit"

/* {"type":"messaging_limit","people":N|null,...}; `source` is the change's field. */
char *webhook_limit_command(const json_t *entry, const char *source, enum webhook_limit limit,
                            int64_t people, int64_t now_ms);

/* {"type":"template_status","template_name":...,"event":...}; its key ("template:<name>:<lang>")
 * is written to key (keylen bytes). */
char *webhook_template_command(const json_t *entry, const struct webhook_template_status *t,
                               int64_t now_ms, char *key, size_t keylen);

/* {"type":"waba_number","phone_number_id":...,"waba_id":...}: the number belongs to that WABA
 * (webhook_numbers.h); its key ("number:<phone_number_id>") is written to key (keylen bytes). */
char *webhook_number_command(const struct webhook_number *n, char *key, size_t keylen);

#endif
