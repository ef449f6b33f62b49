/*
 * cmd_campaign_replies.c - `herald-ctl campaign replies ID`: what people answered to a
 * campaign, newest first (view reply_messages, migration 058).
 *
 * Why: a business sends a campaign to start conversations; the counters say how many answered,
 * this says what they wrote (the questions to follow up, the complaints, who said STOP). The
 * table shows the time, the phone, the WhatsApp profile name, the text (or the message type when
 * it is not text), whether it was an opt-out/opt-in keyword and how it was attributed (the
 * campaign message it quotes: `context`, or the 72-hour window: `window`). --json prints the
 * same rows as one array for scripts.
 */
#include "ctl_db.h"
#include "ctl_parse.h"
#include "ctl_post.h"
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

#include <stdio.h>

static const char replies_sql[] =
    "SELECT received_at, phone, profile_name, coalesce(body, '[' || type || ']') AS text, opt, "
    "attribution, recipient_id FROM reply_messages WHERE campaign_id = $1::bigint "
    "ORDER BY received_at DESC, wamid DESC LIMIT $2::bigint";

int ctl_cmd_campaign_replies(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    long long id, limit = 50;
    const char *limit_arg = ctl_opts_get(opts, "limit");
    if (limit_arg && ctl_parse_id(limit_arg, &limit) != 0) {
        ctl_errorf("--limit %s: give a positive integer", limit_arg);
        return CTL_EXIT_FAIL;
    }
    int rc = ctl_existing_campaign_arg(ctx, opts->positional[0], &id);
    if (rc != CTL_EXIT_OK)
        return rc;
    char idbuf[32], nbuf[32], err[600];
    snprintf(idbuf, sizeof(idbuf), "%lld", id);
    snprintf(nbuf, sizeof(nbuf), "%lld", limit);
    const char *params[] = {idbuf, nbuf};
    PGresult *res;
    enum ctl_db_status st =
        ctl_db_query(ctl_ctx_pg(ctx), replies_sql, 2, params, &res, err, sizeof(err));
    if (st != CTL_DB_OK) {
        ctl_errorf("campaign replies: %s", err);
        return st == CTL_DB_MISSING ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
    }
    rc = ctl_print_result(res, ctl_output_choose(ctl_opts_count(opts, "json"), 0), "no replies yet",
                          stdout);
    PQclear(res);
    return rc ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
