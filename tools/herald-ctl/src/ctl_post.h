/*
 * ctl_post.h - the one path every state-changing subcommand takes: check the campaign
 * exists, give the command a fresh command_id, produce it to campaign-commands keyed by
 * campaign id, wait for its row in command_results, print "accepted" or
 * "rejected: <reason>", and map that to herald-ctl's exit codes.
 *
 * Why this exists: create, update, schedule, start, pause, resume, cancel, duplicate and
 * recalculate differ only in the command's type and fields; the protocol (and its error
 * handling) is written once here.
 */
#ifndef HERALD_CTL_POST_H
#define HERALD_CTL_POST_H

#include "ctl_ctx.h"

#include <jansson.h>

/* Prints "campaign N not found" and returns 1 when it does not exist; 2 if PostgreSQL fails;
 * 0 when it exists (status copied into status_out if non-NULL). */
int ctl_require_campaign(struct ctl_ctx *ctx, long long campaign_id, char *status_out,
                         size_t status_len);

/* The ID positional of a campaign command: parsed ("'x' is not a campaign id" otherwise) and
 * required to exist. Returns the exit code (CTL_EXIT_OK with *id set). */
int ctl_existing_campaign_arg(struct ctl_ctx *ctx, const char *arg, long long *id);

/* Allocates a campaign id with nextval('campaign_ids'). 0 ok, 2 on PostgreSQL failure. */
int ctl_allocate_campaign_id(struct ctl_ctx *ctx, long long *id);

/*
 * Posts {"command_id","type","campaign_id", ...fields} and reports the outcome. `fields` is
 * borrowed (may be NULL). `handler` names the stage that answers (for the timeout message);
 * `note` is appended to "accepted" ("accepted: <note>"). Returns the exit code.
 */
int ctl_post_command(struct ctl_ctx *ctx, long long campaign_id, const char *type, json_t *fields,
                     const char *handler, const char *note);

#endif
