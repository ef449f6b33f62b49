/*
 * cmd_templates.c - `herald-ctl templates`: what Meta last said of each message template, and
 * the campaigns waiting on it.
 *
 * Why: Meta pauses a template whose quality dropped and approves it again hours later, or
 * disables it; the segmenters pause, resume and fail campaigns on it as its webhooks arrive
 * (migrations/019_template_status.sql, per WABA since 070). An operator asking "why is my campaign
 * paused, and until when?" wants that word and its time next to the campaigns it holds.
 */
#include "ctl_db.h"
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

#include <stdio.h>

int ctl_cmd_templates(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    char err[600];
    PGresult *res;
    enum ctl_db_status st = ctl_db_query(
        pg,
        "SELECT t.name, t.language, nullif(t.waba_id, '') AS waba_id, t.event, t.reason, "
        "to_char(t.announced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS "
        "announced_at, (SELECT count(*) FROM campaigns c WHERE c.template_name = t.name AND "
        "c.template_language = t.language AND c.status = 'paused' AND c.template_paused_at IS "
        "NOT NULL AND campaign_may_belong_to_waba(c.phone_number_id, nullif(t.waba_id, ''))) "
        "AS campaigns_waiting FROM template_status t ORDER BY t.announced_at DESC, t.name, "
        "t.language, t.waba_id",
        0, NULL, &res, err, sizeof(err));
    if (st != CTL_DB_OK) {
        ctl_errorf("templates: %s", err);
        return CTL_EXIT_INFRA;
    }
    int rc = ctl_print_result(res, ctl_output_choose(ctl_opts_count(opts, "json"), ctx->quiet),
                              NULL, stdout);
    PQclear(res);
    return rc ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
