/*
 * cmd_lifecycle.c - `schedule`, `start`, `pause`, `resume`, `cancel`, `duplicate` and
 * `recalculate`: commands that name an existing campaign and carry at most one extra field.
 *
 * Why one file: they share everything (id check, post, outcome) except the command type, so
 * each entry point is a line or two over ctl_post.
 */
#include "ctl_parse.h"
#include "ctl_post.h"
#include "ctl_subcommands.h"

#include <stdio.h>
#include <time.h>

static int simple(struct ctl_ctx *ctx, const struct ctl_opts *opts, const char *type,
                  const char *handler)
{
    long long id;
    int rc = ctl_existing_campaign_arg(ctx, opts->positional[0], &id);
    if (rc != CTL_EXIT_OK)
        return rc;
    return ctl_post_command(ctx, id, type, NULL, handler, NULL);
}

int ctl_cmd_start(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return simple(ctx, opts, "start", "segmenter");
}

int ctl_cmd_pause(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return simple(ctx, opts, "pause", "segmenter");
}

int ctl_cmd_resume(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return simple(ctx, opts, "resume", "segmenter");
}

int ctl_cmd_cancel(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return simple(ctx, opts, "cancel", "segmenter");
}

int ctl_cmd_recalculate(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return simple(ctx, opts, "recalculate", "analytics");
}

int ctl_cmd_schedule(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    const char *at = ctl_opts_get(opts, "at");
    char when[32];
    if (!at) {
        ctl_errorf("schedule: missing --at TIME");
        return CTL_EXIT_FAIL;
    }
    if (ctl_parse_time(at, time(NULL), when, sizeof(when)) != 0) {
        ctl_errorf(
            "--at %s: expected 2026-11-25T20:00:00Z, an offset like +01:00, now, or +15m/+2h/+1d",
            at);
        return CTL_EXIT_FAIL;
    }
    long long id;
    int rc = ctl_existing_campaign_arg(ctx, opts->positional[0], &id);
    if (rc != CTL_EXIT_OK)
        return rc;
    json_t *fields = json_pack("{s:s}", "at", when);
    char note[64];
    snprintf(note, sizeof(note), "starts at %s", when);
    rc = ctl_post_command(ctx, id, "schedule", fields, "segmenter", note);
    json_decref(fields);
    return rc;
}

int ctl_cmd_duplicate(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    long long id, new_id;
    int rc = ctl_existing_campaign_arg(ctx, opts->positional[0], &id);
    if (rc == CTL_EXIT_OK)
        rc = ctl_allocate_campaign_id(ctx, &new_id);
    if (rc != CTL_EXIT_OK)
        return rc;
    json_t *fields = json_pack("{s:I}", "new_campaign_id", (json_int_t)new_id);
    char note[64];
    snprintf(note, sizeof(note), "campaign %lld (draft copy of %lld)", new_id, id);
    rc = ctl_post_command(ctx, id, "duplicate", fields, "segmenter", note);
    json_decref(fields);
    if (rc == CTL_EXIT_OK && ctx->quiet)
        printf("%lld\n", new_id);
    return rc;
}
