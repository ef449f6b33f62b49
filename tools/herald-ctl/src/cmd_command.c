/*
 * cmd_command.c - `herald-ctl command COMMAND_ID`: the recorded outcome of a command, e.g.
 * one posted with --no-wait or one that timed out while its stage was down. Exit status
 * mirrors posting: 0 accepted, 1 rejected or unknown, 2 PostgreSQL unreachable. --json prints
 * the row as one object (the payload stays a string: a rejected one may not be JSON).
 */
#include "ctl_db.h"
#include "ctl_result_json.h"
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

#include <string.h>

int ctl_cmd_command(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    const char *params[] = {opts->positional[0]};
    PGresult *res;
    char err[600];
    if (ctl_db_query(pg,
                     "SELECT command_id, campaign_id, type, outcome, reason, handled_by, "
                     "received_at, kafka_partition, kafka_offset, payload "
                     "FROM command_results WHERE command_id = $1",
                     1, params, &res, err, sizeof(err)) != CTL_DB_OK) {
        ctl_errorf("%s", err);
        return CTL_EXIT_INFRA;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        ctl_errorf("no outcome recorded for command %s (unknown id, or not handled yet)",
                   opts->positional[0]);
        return CTL_EXIT_FAIL;
    }
    int accepted = strcmp(PQgetvalue(res, 0, 3), "accepted") == 0;
    if (ctl_opts_count(opts, "json"))
        ctl_print_json(ctl_result_row_json(res, 0, NULL), stdout);
    else if (!ctx->quiet)
        ctl_print_vertical(res, 0, NULL, stdout);
    PQclear(res);
    return accepted ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}
