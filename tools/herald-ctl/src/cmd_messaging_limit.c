/*
 * cmd_messaging_limit.c - `herald-ctl messaging-limit [--set N]`: Meta's messaging limit of the
 * business portfolio, and how much of it the last 24 hours used.
 *
 * Why a command of its own: the limit is one value for every segmenter (it is one budget, and
 * Meta raises it while campaigns run), kept in PostgreSQL (migrations/015_messaging_limit.sql);
 * the segmenters read it at every emission step, so a change needs no restart. It also shows
 * the last limit Meta announced by webhook, which the segmenters follow by default.
 */
#include "ctl_db.h"
#include "ctl_parse.h"
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

#include <stdio.h>
#include <string.h>

/* meta_announced: the last limit Meta announced by webhook (migrations/018), e.g. "10000 at
 * 2026-11-28T09:20:00Z (business_capability_update)"; NULL before the first. */
#define STATUS_COLUMNS                                                                             \
    "people, used, room, to_char(next_room_at AT TIME ZONE 'UTC', "                                \
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS next_room_at, (SELECT CASE s.meta_people WHEN 0 "        \
    "THEN 'unlimited' ELSE s.meta_people::text END || ' at ' || to_char(s.meta_announced_at AT "   \
    "TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || ' (' || s.meta_source || ')' "          \
    "FROM messaging_limit_setting s) AS meta_announced"

int ctl_cmd_messaging_limit(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    const char *set = ctl_opts_get(opts, "set");
    long long people = 0;
    if (set && strcmp(set, "0") != 0 && (ctl_parse_id(set, &people) != 0 || people > 2000000000)) {
        ctl_errorf("messaging-limit: --set wants a number of people >= 0 (0 = no limit), not "
                   "'%s'",
                   set);
        return CTL_EXIT_FAIL;
    }
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    char value[32], err[600];
    snprintf(value, sizeof(value), "%lld", people);
    const char *params[] = {value};
    PGresult *res;
    enum ctl_db_status st =
        set ? ctl_db_query(pg, "SELECT " STATUS_COLUMNS " FROM messaging_limit_set($1::integer)", 1,
                           params, &res, err, sizeof(err))
            : ctl_db_query(pg, "SELECT " STATUS_COLUMNS " FROM messaging_limit_status()", 0, NULL,
                           &res, err, sizeof(err));
    if (st != CTL_DB_OK) {
        ctl_errorf("messaging-limit: %s", err);
        return CTL_EXIT_INFRA;
    }
    int rc = ctl_print_result(res, ctl_output_choose(ctl_opts_count(opts, "json"), ctx->quiet),
                              NULL, stdout);
    PQclear(res);
    return rc ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
