/*
 * cmd_campaign_recipients.c - `herald-ctl campaign recipients ID`: every recipient of a
 * campaign with what became of it (view campaign_recipient_outcomes, migration 058), as CSV
 * for a spreadsheet or NDJSON for jq, streamed, in the snapshot's order. The columns are the
 * view's, so the API, this command and docs/analytics.md describe one thing.
 *
 * Why streamed: a campaign can have millions of recipients. CSV is PostgreSQL's own COPY
 * writer (quoting done by the server, rows arrive as they are produced); NDJSON is
 * row_to_json in libpq's single-row mode. Neither holds more than one row in memory.
 *
 * COPY takes no bind parameters, so the campaign id and the outcome filter travel as
 * transaction-local settings that the query reads back: still no value spliced into SQL text
 * (campaign_recipient_export_prepare and campaign_recipient_export, migration 061, shared with
 * the API's CSV download). Timestamps are written in UTC.
 */
#include "ctl_db.h"
#include "ctl_post.h"
#include "ctl_subcommands.h"

#include <stdio.h>
#include <string.h>

static const char csv_sql[] =
    "COPY (SELECT * FROM campaign_recipient_export()) TO STDOUT (FORMAT csv, HEADER)";
static const char ndjson_sql[] = "SELECT row_to_json(o)::text FROM campaign_recipient_export() o";
static const char settings_sql[] = "SELECT campaign_recipient_export_prepare($1, $2)";

/* Words of the list that are no outcome (empty when none), and the ones there are. */
static const char unknown_outcomes_sql[] =
    "SELECT campaign_recipient_outcomes_unknown($1), "
    "array_to_string(campaign_recipient_outcome_names(), ', ')";

static int run(PGconn *pg, const char *sql, const char *const *params, int nparams)
{
    PGresult *res;
    char err[600];
    enum ctl_db_status st = ctl_db_query(pg, sql, nparams, params, &res, err, sizeof(err));
    if (st != CTL_DB_OK) {
        ctl_errorf("campaign recipients: %s", err);
        return st == CTL_DB_MISSING ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
    }
    PQclear(res);
    return CTL_EXIT_OK;
}

/* CTL_EXIT_OK when every word of `outcomes` is one the view produces. */
static int check_outcomes(PGconn *pg, const char *outcomes)
{
    const char *params[] = {outcomes};
    PGresult *res;
    char err[600];
    enum ctl_db_status st =
        ctl_db_query(pg, unknown_outcomes_sql, 1, params, &res, err, sizeof(err));
    if (st != CTL_DB_OK) {
        ctl_errorf("campaign recipients: %s", err);
        return st == CTL_DB_MISSING ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
    }
    int rc = CTL_EXIT_OK;
    if (PQgetvalue(res, 0, 0)[0]) {
        ctl_errorf("--outcome: unknown outcome '%s' (one of: %s)", PQgetvalue(res, 0, 0),
                   PQgetvalue(res, 0, 1));
        rc = CTL_EXIT_FAIL;
    }
    PQclear(res);
    return rc;
}

static int fail_stream(PGconn *pg, const char *what)
{
    char why[512];
    ctl_db_one_line(PQerrorMessage(pg), why, sizeof(why));
    ctl_errorf("campaign recipients: %s: %s", what, why);
    return CTL_EXIT_INFRA;
}

static int export_csv(PGconn *pg, FILE *out)
{
    PGresult *res = PQexec(pg, csv_sql);
    int ok = PQresultStatus(res) == PGRES_COPY_OUT;
    PQclear(res);
    if (!ok)
        return fail_stream(pg, "export");
    char *row;
    int n;
    while ((n = PQgetCopyData(pg, &row, 0)) > 0) {
        fwrite(row, 1, (size_t)n, out);
        PQfreemem(row);
    }
    if (n == -2)
        return fail_stream(pg, "export interrupted");
    int rc = CTL_EXIT_OK;
    while ((res = PQgetResult(pg)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = fail_stream(pg, "export");
        PQclear(res);
    }
    return rc;
}

static int export_ndjson(PGconn *pg, FILE *out)
{
    if (!PQsendQuery(pg, ndjson_sql) || !PQsetSingleRowMode(pg))
        return fail_stream(pg, "export");
    int rc = CTL_EXIT_OK;
    PGresult *res;
    while ((res = PQgetResult(pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE)
            fprintf(out, "%s\n", PQgetvalue(res, 0, 0));
        else if (st != PGRES_TUPLES_OK && rc == CTL_EXIT_OK)
            rc = fail_stream(pg, "export");
        PQclear(res);
    }
    return rc;
}

static int export(PGconn *pg, const char *id, const char *outcomes, int json)
{
    int rc = run(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, 0);
    const char *params[] = {id, outcomes};
    if (rc == CTL_EXIT_OK)
        rc = run(pg, settings_sql, params, 2);
    if (rc == CTL_EXIT_OK)
        rc = json ? export_ndjson(pg, stdout) : export_csv(pg, stdout);
    if (rc == CTL_EXIT_OK)
        rc = run(pg, "COMMIT", NULL, 0);
    if (fflush(stdout) != 0 && rc == CTL_EXIT_OK) {
        ctl_errorf("campaign recipients: cannot write the output");
        rc = CTL_EXIT_FAIL;
    }
    return rc;
}

int ctl_cmd_campaign_recipients(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    const char *outcomes = ctl_opts_get(opts, "outcome");
    if (!outcomes)
        outcomes = "";
    else if (!outcomes[strspn(outcomes, " ,")]) {
        ctl_errorf("--outcome: name at least one outcome (e.g. failed)");
        return CTL_EXIT_FAIL;
    }
    long long id;
    int rc = ctl_existing_campaign_arg(ctx, opts->positional[0], &id);
    if (rc != CTL_EXIT_OK)
        return rc;
    PGconn *pg = ctl_ctx_pg(ctx);
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%lld", id);
    if (outcomes[0])
        rc = check_outcomes(pg, outcomes);
    if (rc == CTL_EXIT_OK)
        rc = export(pg, idbuf, outcomes, ctl_opts_count(opts, "json") > 0);
    return rc;
}
