/*
 * cmd_campaign_show.c - `herald-ctl campaign show ID`: the definition from `campaigns`, then
 * the analytics read views: campaign_analytics (or campaign_progress) as a field/value table,
 * then campaign_failures by error code. A view that does not exist yet is named instead of
 * failing the whole command. With --json the same three parts form one document:
 * {"campaign": {...}, "analytics": {...} or null, "failures": [...] or null}.
 */
#include "ctl_db.h"
#include "ctl_parse.h"
#include "ctl_result_json.h"
#include "ctl_result_print.h"
#include "ctl_show.h"
#include "ctl_subcommands.h"

#include <stdio.h>

static const char definition_sql[] =
    "SELECT id, name, status, status_reason, phone_number_id, template_name, template_language, "
    "template_params, template_components, audience, rate_limit_per_second, max_failure_rate, "
    "send_window, "
    "campaign_send_window_open(send_window, now()) AS inside_send_window, "
    "campaign_waits_until(campaigns) AS send_window_opens_at, "
    "campaign_limit_waits_until(campaigns) AS messaging_limit_next_room_at, audience_size, "
    "duplicated_from, "
    "scheduled_at, created_at, started_at, paused_at, resumed_at, completed_at, cancelled_at, "
    "failed_at FROM campaigns WHERE id = $1";

static const char *const no_campaign_id[] = {"campaign_id", NULL};

/* campaign_analytics holds every progress figure plus rates and percentiles; without it
 * (older analytics) campaign_progress is shown instead. */
static int show_analytics(struct ctl_show *o, PGconn *pg, const char *id)
{
    char err[600];
    if (!o->doc)
        printf("\nAnalytics\n");
    enum ctl_db_status st = ctl_show_part(
        o, "analytics", pg, "SELECT * FROM campaign_analytics WHERE campaign_id = $1::bigint", id,
        1, no_campaign_id, "no data yet", NULL, err, sizeof(err));
    if (st == CTL_DB_MISSING)
        st = ctl_show_part(o, "analytics", pg,
                           "SELECT * FROM campaign_progress WHERE campaign_id = $1::bigint", id, 1,
                           no_campaign_id, "no data yet", NULL, err, sizeof(err));
    if (st == CTL_DB_MISSING)
        ctl_show_note(o, "views campaign_analytics and campaign_progress are missing: analytics "
                         "migrations 040+ not applied");
    if (!o->doc)
        printf("\nFailures by error code\n");
    if (st != CTL_DB_ERROR)
        st = ctl_show_part(o, "failures", pg,
                           "SELECT error_code, error_title, recipients FROM campaign_failures "
                           "WHERE campaign_id = $1::bigint ORDER BY recipients DESC, error_code",
                           id, 0, NULL, "no data yet", NULL, err, sizeof(err));
    if (st == CTL_DB_MISSING)
        ctl_show_note(o,
                      "view campaign_failures is missing: analytics migrations 040+ not applied");
    if (st == CTL_DB_ERROR) {
        ctl_errorf("%s", err);
        return CTL_EXIT_INFRA;
    }
    return CTL_EXIT_OK;
}

static int show_definition(struct ctl_show *o, PGconn *pg, const char *id)
{
    const char *params[] = {id};
    PGresult *res;
    char err[600];
    if (ctl_db_query(pg, definition_sql, 1, params, &res, err, sizeof(err)) != CTL_DB_OK) {
        ctl_errorf("%s", err);
        return CTL_EXIT_INFRA;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        ctl_errorf("campaign %s not found", id);
        return CTL_EXIT_FAIL;
    }
    if (o->doc) {
        json_t *campaign = ctl_result_row_json(res, 0, NULL);
        json_object_set_new(o->doc, "campaign", campaign ? campaign : json_null());
    } else {
        printf("Campaign %s\n", id);
        ctl_print_vertical(res, 0, NULL, stdout);
    }
    PQclear(res);
    return CTL_EXIT_OK;
}

int ctl_cmd_campaign_show(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    long long id;
    if (ctl_parse_id(opts->positional[0], &id) != 0) {
        ctl_errorf("'%s' is not a campaign id (a positive integer)", opts->positional[0]);
        return CTL_EXIT_FAIL;
    }
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%lld", id);
    struct ctl_show o = {NULL};
    if (ctl_opts_count(opts, "json") &&
        !(o.doc = json_pack("{s:n, s:n, s:n}", "campaign", "analytics", "failures")))
        return CTL_EXIT_FAIL;
    int rc = show_definition(&o, pg, idbuf);
    if (rc == CTL_EXIT_OK)
        rc = show_analytics(&o, pg, idbuf);
    if (o.doc) {
        if (rc == CTL_EXIT_OK && ctl_print_json(o.doc, stdout) != 0)
            rc = CTL_EXIT_FAIL;
        else if (rc != CTL_EXIT_OK)
            json_decref(o.doc);
    }
    return rc;
}
