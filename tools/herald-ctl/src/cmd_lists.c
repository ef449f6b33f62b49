/*
 * cmd_lists.c - `herald-ctl lists`: contact lists and how many contacts each holds, so an
 * operator can pick the --list ids of a campaign.
 */
#include "ctl_db.h"
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

int ctl_cmd_lists(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    PGresult *res;
    char err[600];
    if (ctl_db_query(pg,
                     "SELECT l.id, l.name, count(m.contact_id) AS contacts, "
                     "to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS created "
                     "FROM contact_lists l LEFT JOIN contact_list_members m ON m.list_id = l.id "
                     "GROUP BY l.id ORDER BY l.id",
                     0, NULL, &res, err, sizeof(err)) != CTL_DB_OK) {
        ctl_errorf("%s", err);
        return CTL_EXIT_INFRA;
    }
    int rc = ctl_print_result(res, ctl_output_choose(ctl_opts_count(opts, "json"), ctx->quiet),
                              "no contact lists yet (herald-ctl contacts import --list NAME "
                              "FILE.csv)",
                              stdout);
    PQclear(res);
    return rc ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
