/*
 * cmd_campaign_define.c - `campaign create` and `campaign update`: build the campaign object
 * from flags or a JSON file (ctl_campaign_spec) and post it.
 *
 * Why here: create allocates the campaign id itself (so the command can be keyed by it) and
 * prints it; update checks the campaign exists first. Validation of the definition beyond
 * its shape is the segmenter's, whose reason herald-ctl prints.
 */
#include "ctl_campaign_spec.h"
#include "ctl_parse.h"
#include "ctl_post.h"
#include "ctl_subcommands.h"

#include <stdio.h>

int ctl_cmd_campaign_create(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    char err[400];
    json_t *campaign = ctl_campaign_spec_build(opts, true, err, sizeof(err));
    if (!campaign) {
        ctl_errorf("campaign create: %s", err);
        return CTL_EXIT_FAIL;
    }
    long long id;
    int rc = ctl_allocate_campaign_id(ctx, &id);
    if (rc == CTL_EXIT_OK) {
        json_t *fields = json_pack("{s:O}", "campaign", campaign);
        char note[64];
        snprintf(note, sizeof(note), "campaign %lld created", id);
        rc = ctl_post_command(ctx, id, "create", fields, "segmenter", note);
        json_decref(fields);
        if (rc == CTL_EXIT_OK && ctx->quiet)
            printf("%lld\n", id);
    }
    json_decref(campaign);
    return rc;
}

int ctl_cmd_campaign_update(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    long long id;
    if (ctl_parse_id(opts->positional[0], &id) != 0) {
        ctl_errorf("'%s' is not a campaign id (a positive integer)", opts->positional[0]);
        return CTL_EXIT_FAIL;
    }
    char err[400];
    json_t *campaign = ctl_campaign_spec_build(opts, false, err, sizeof(err));
    if (!campaign) {
        ctl_errorf("campaign update: %s", err);
        return CTL_EXIT_FAIL;
    }
    int rc = ctl_require_campaign(ctx, id, NULL, 0);
    if (rc == CTL_EXIT_OK) {
        json_t *fields = json_pack("{s:O}", "campaign", campaign);
        rc = ctl_post_command(ctx, id, "update", fields, "segmenter", NULL);
        json_decref(fields);
    }
    json_decref(campaign);
    return rc;
}
