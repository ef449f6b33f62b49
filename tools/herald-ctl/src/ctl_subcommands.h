/*
 * ctl_subcommands.h - the table of herald-ctl subcommands: their words ("campaign create",
 * "start"), positional arguments, options, help text and entry points.
 *
 * Why this exists: `--help`, the top-level usage, argument checking and dispatch all come from
 * this one table, so flags stay consistent across subcommands and the help cannot drift from
 * what is parsed. The cmocka tests parse real command lines through it.
 */
#ifndef HERALD_CTL_SUBCOMMANDS_H
#define HERALD_CTL_SUBCOMMANDS_H

#include "ctl_ctx.h"
#include "ctl_opts.h"

#include <stdio.h>

struct ctl_subcommand {
    const char *words;      /* "campaign create" */
    const char *positional; /* usage of positionals, e.g. "ID" ("" = none) */
    int min_pos, max_pos;
    const struct ctl_opt_spec *opts; /* subcommand options, NULL = none */
    const char *summary;             /* one line */
    const char *details;             /* extra help paragraph, may be NULL */
    int (*run)(struct ctl_ctx *ctx, const struct ctl_opts *opts);
};

/* Options every subcommand accepts (--config, --timeout, --no-wait, -q, -h). */
extern const struct ctl_opt_spec ctl_common_opts[];

/* NULL-terminated by words == NULL. */
extern const struct ctl_subcommand ctl_subcommands[];

/* Finds the subcommand named by the leading words of argv; *consumed = words used. */
const struct ctl_subcommand *ctl_subcommand_find(int argc, char **argv, int *consumed);

/*
 * Parses the words after the subcommand. Returns 0, or -1 with a one-line reason (unknown
 * option, wrong number of arguments). On 0 or -1, ctl_opts_free(opts) afterwards.
 */
int ctl_subcommand_parse(const struct ctl_subcommand *sc, int argc, char **argv,
                         struct ctl_opts *opts, char *err, size_t errlen);

void ctl_subcommand_help(const struct ctl_subcommand *sc, FILE *out);

void ctl_usage(FILE *out);

/* Entry points (cmd_*.c). */
int ctl_cmd_contacts_import(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_contacts_show(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_contacts_export(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_contacts_opt_out(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_contacts_opt_in(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_contacts_erase(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_lists(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_segment_preview(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_campaign_create(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_campaign_update(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_campaign_list(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_campaign_show(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_campaign_recipients(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_campaign_replies(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_schedule(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_start(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_pause(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_resume(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_cancel(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_duplicate(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_recalculate(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_watch(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_command(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_messaging_limit(struct ctl_ctx *ctx, const struct ctl_opts *opts);
int ctl_cmd_templates(struct ctl_ctx *ctx, const struct ctl_opts *opts);

#endif
