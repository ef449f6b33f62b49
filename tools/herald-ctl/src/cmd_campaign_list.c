/*
 * cmd_campaign_list.c - `herald-ctl campaign list`: campaigns, newest first, with status and
 * the headline numbers of the campaign_progress view, and for a running campaign outside its
 * sending hours when they begin (waits_until). Without that view (analytics not
 * migrated yet) it still lists the campaigns and says what is missing.
 */
#include "ctl_db.h"
#include "ctl_parse.h"
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A running campaign outside its sending hours sends nothing until then, one held by the
 * messaging limit sends its next new person then (UTC, like created). */
#define WINDOW_OPENS                                                                               \
    "to_char(coalesce(campaign_waits_until(c), campaign_limit_waits_until(c)) AT TIME ZONE "       \
    "'UTC', 'YYYY-MM-DD HH24:MI') AS waits_until "

static const char with_progress[] =
    "SELECT c.id, c.name, c.status, coalesce(p.audience_size, c.audience_size) AS audience, "
    "p.sent, p.delivered, p.read, p.failed, p.replied, "
    "to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS created, " WINDOW_OPENS
    "FROM campaigns c LEFT JOIN campaign_progress p ON p.campaign_id = c.id "
    "WHERE ($1::text IS NULL OR c.status = $1) ORDER BY c.id DESC LIMIT $2::bigint";

static const char without_progress[] =
    "SELECT c.id, c.name, c.status, c.audience_size AS audience, "
    "to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS created, " WINDOW_OPENS
    "FROM campaigns c WHERE ($1::text IS NULL OR c.status = $1) ORDER BY c.id DESC "
    "LIMIT $2::bigint";

/* A typo in --status would otherwise list nothing and look like "no campaigns". */
static bool known_status(const char *s)
{
    static const char *const statuses[] = {"draft",     "scheduled", "running", "paused",
                                           "completed", "cancelled", "failed"};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (strcmp(s, statuses[i]) == 0)
            return true;
    return false;
}

int ctl_cmd_campaign_list(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    const char *limit = ctl_opts_get(opts, "limit");
    long long n = 50;
    if (limit && ctl_parse_id(limit, &n) != 0) {
        ctl_errorf("--limit %s: give a positive integer", limit);
        return CTL_EXIT_FAIL;
    }
    const char *status = ctl_opts_get(opts, "status");
    if (status && !known_status(status)) {
        ctl_errorf("--status %s: one of draft, scheduled, running, paused, completed, "
                   "cancelled, failed",
                   status);
        return CTL_EXIT_FAIL;
    }
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    char nbuf[32], err[600];
    snprintf(nbuf, sizeof(nbuf), "%lld", n);
    const char *params[] = {ctl_opts_get(opts, "status"), nbuf};
    PGresult *res;
    enum ctl_db_status st = ctl_db_query(pg, with_progress, 2, params, &res, err, sizeof(err));
    if (st == CTL_DB_MISSING) {
        fprintf(stderr, "note: view campaign_progress is missing (analytics migrations 040+ not "
                        "applied); showing campaigns without their numbers\n");
        st = ctl_db_query(pg, without_progress, 2, params, &res, err, sizeof(err));
    }
    if (st != CTL_DB_OK) {
        ctl_errorf("%s", err);
        return CTL_EXIT_INFRA;
    }
    int rc =
        ctl_print_result(res, ctl_output_choose(ctl_opts_count(opts, "json"), ctx->quiet),
                         params[0] ? "no campaigns with that status" : "no campaigns yet", stdout);
    PQclear(res);
    return rc ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
