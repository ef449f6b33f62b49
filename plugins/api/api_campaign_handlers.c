/*
 * api_campaign_handlers.c - the campaign endpoints: commands (create, update, schedule,
 * start, pause, resume, cancel, duplicate), their outcomes, and the read side (list, one
 * campaign with analytics, progress).
 *
 * Why: writes never touch the campaigns table directly; they become commands on
 * campaign-commands (the segmenter owns the lifecycle) and are answered 202 once Kafka has
 * them. What can be refused at request time is: invalid input (400 naming the field), an
 * unknown campaign (404) and an illegal transition for the current status (409). Reads come
 * from PostgreSQL, incl. the analytics views (campaign_progress & co, migrations 040+); when
 * those views are missing the endpoints still answer, with null analytics.
 */
#include "api_campaign_validate.h"
#include "api_db.h"
#include "api_internal.h"
#include "api_transitions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void id_text(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

/* 1 and the status when the campaign exists, 0 when not, -1 on database error. */
static int campaign_status(struct api_db_lease *l, int64_t id, char status[16])
{
    char idt[24];
    id_text(id, idt);
    const char *params[1] = {idt};
    PGresult *res =
        api_db_exec(l, "SELECT status FROM campaigns WHERE id = $1::bigint", 1, params, NULL);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        snprintf(status, 16, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found;
}

/* Checks existence and (when `command` is not NULL) the transition. 0 = go ahead. */
static int check_campaign(const struct api_call *call, struct api_reply *r, const char *command)
{
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return -1;
    char status[16];
    int64_t id = call->route->campaign_id;
    int found = campaign_status(&l, id, status);
    api_db_release(&l);
    if (found < 0) {
        api_reply_error(r, 503, "", "database error, retry later");
        return -1;
    }
    if (!found) {
        api_reply_error(r, 404, "", "campaign %lld does not exist", (long long)id);
        return -1;
    }
    if (command && !api_transition_allowed(command, status)) {
        api_reply_error(r, 409, "", "cannot %s campaign %lld: it is %s", command, (long long)id,
                        status);
        return -1;
    }
    return 0;
}

static int64_t allocate_campaign_id(const struct api_call *call, struct api_reply *r)
{
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return -1;
    PGresult *res = api_db_exec(&l, "SELECT nextval('campaign_ids')", 0, NULL, NULL);
    int64_t id = res && PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
    PQclear(res);
    api_db_release(&l);
    if (id <= 0)
        api_reply_error(r, 503, "", "cannot allocate a campaign id, retry later");
    return id;
}

/* Produces the command and replies 202 {"command_id","campaign_id",...extra_reply}. Takes
 * ownership of `extra` (command members) and `extra_reply` (reply members); both may be NULL. */
static void post_command(const struct api_call *call, struct api_reply *r, const char *type,
                         int64_t campaign_id, json_t *extra, json_t *extra_reply)
{
    char command_id[37];
    json_t *cmd = NULL;
    if (api_command_id_new(command_id) != 0 ||
        !(cmd = api_command_build(command_id, type, campaign_id, extra))) {
        api_reply_error(r, 500, "", "cannot build the command");
    } else if (api_produce_command(call->ctx, campaign_id, cmd) != 0) {
        api_reply_error(r, 503, "",
                        "Kafka did not acknowledge command %s in time; it may still be applied, "
                        "check GET /api/commands/%s before retrying",
                        command_id, command_id);
    } else {
        json_t *body = json_pack("{s:s, s:I}", "command_id", command_id, "campaign_id",
                                 (json_int_t)campaign_id);
        if (extra_reply)
            json_object_update(body, extra_reply);
        api_reply_json(r, 202, body);
    }
    json_decref(cmd);
    json_decref(extra);
    json_decref(extra_reply);
}

static void reply_field_error(struct api_reply *r, const struct api_field_error *fe)
{
    api_reply_error(r, 400, fe->field, "%s", fe->message);
}

void api_handle_campaign_create(const struct api_call *call, struct api_reply *r)
{
    json_t *body = api_call_json(call, r, 0);
    if (!body)
        return;
    struct api_field_error fe = {{0}, {0}};
    json_t *campaign = api_campaign_validate(body, 0, &fe);
    json_decref(body);
    if (!campaign) {
        reply_field_error(r, &fe);
        return;
    }
    int64_t id = allocate_campaign_id(call, r);
    if (id <= 0) {
        json_decref(campaign);
        return;
    }
    post_command(call, r, "create", id, json_pack("{s:o}", "campaign", campaign), NULL);
}

void api_handle_campaign_update(const struct api_call *call, struct api_reply *r)
{
    json_t *body = api_call_json(call, r, 0);
    if (!body)
        return;
    struct api_field_error fe = {{0}, {0}};
    json_t *campaign = api_campaign_validate(body, 1, &fe);
    json_decref(body);
    if (!campaign) {
        reply_field_error(r, &fe);
        return;
    }
    if (check_campaign(call, r, "update") != 0) {
        json_decref(campaign);
        return;
    }
    post_command(call, r, "update", call->route->campaign_id,
                 json_pack("{s:o}", "campaign", campaign), NULL);
}

void api_handle_campaign_command(const struct api_call *call, struct api_reply *r)
{
    const char *type = call->route->command;
    int64_t id = call->route->campaign_id;
    json_t *body = api_call_json(call, r, 1);
    if (!body)
        return;
    json_t *extra = NULL, *extra_reply = NULL;
    if (!strcmp(type, "schedule")) {
        char at[21];
        struct api_field_error fe = {{0}, {0}};
        if (api_schedule_validate(body, (int64_t)time(NULL), at, &fe) != 0) {
            json_decref(body);
            reply_field_error(r, &fe);
            return;
        }
        extra = json_pack("{s:s}", "at", at);
    }
    json_decref(body);
    if (check_campaign(call, r, type) != 0) {
        json_decref(extra);
        return;
    }
    if (!strcmp(type, "duplicate")) {
        int64_t new_id = allocate_campaign_id(call, r);
        if (new_id <= 0)
            return;
        extra = json_pack("{s:I}", "new_campaign_id", (json_int_t)new_id);
        extra_reply = json_pack("{s:I}", "new_campaign_id", (json_int_t)new_id);
    }
    post_command(call, r, type, id, extra, extra_reply);
}

void api_handle_command_get(const struct api_call *call, struct api_reply *r)
{
    static const char sql[] =
        "SELECT json_build_object('command_id', command_id, 'status', outcome, 'reason', reason,"
        " 'campaign_id', campaign_id, 'type', type, 'handled_by', handled_by, 'handled_at',"
        " received_at)::text FROM command_results WHERE command_id = $1";
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    const char *params[1] = {call->route->command_id};
    PGresult *res = api_db_exec(&l, sql, 1, params, NULL);
    api_db_release(&l);
    if (!res) {
        api_reply_error(r, 503, "", "database error, retry later");
        return;
    }
    if (PQntuples(res) == 1)
        api_reply_text(r, 200, PQgetvalue(res, 0, 0));
    else /* not handled yet (or never posted: we cannot tell those apart) */
        api_reply_json(
            r, 200,
            json_pack("{s:s, s:s}", "command_id", call->route->command_id, "status", "pending"));
    PQclear(res);
}

/* ---- reads -------------------------------------------------------------------------------- */

/* When a running campaign outside its sending hours goes on by itself (null otherwise). */
#define SEND_WINDOW_OPENS_AT                                                                       \
    "'send_window_opens_at', campaign_waits_until(c), "                                            \
    "'messaging_limit_next_room_at', campaign_limit_waits_until(c)"

static const char list_sql_fmt[] =
    "SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]'::json)::text FROM ("
    " SELECT c.id, json_build_object('id', c.id, 'name', c.name, 'status', c.status,"
    "  'status_reason', c.status_reason, 'phone_number_id', c.phone_number_id,"
    "  'template_name', c.template_name, 'audience_size', c.audience_size,"
    "  'scheduled_at', c.scheduled_at, 'created_at', c.created_at, 'started_at', c.started_at,"
    "  'completed_at', c.completed_at, " SEND_WINDOW_OPENS_AT ", 'progress', %s) AS j"
    " FROM campaigns c WHERE ($1::text IS NULL OR c.status = $1)"
    " AND ($2::bigint IS NULL OR c.id < $2::bigint) ORDER BY c.id DESC LIMIT $3::int) x";

void api_handle_campaign_list(const struct api_call *call, struct api_reply *r)
{
    static const char *const statuses[] = {"draft",     "scheduled", "running", "paused",
                                           "completed", "cancelled", "failed"};
    const char *status = api_call_query(call, "status");
    const char *before = api_call_query(call, "before");
    int limit;
    if (api_query_int(api_call_query(call, "limit"), 100, 1000, &limit) != 0) {
        api_reply_error(r, 400, "limit", "limit must be an integer from 1 to 1000");
        return;
    }
    size_t i = 0;
    while (status && i < sizeof(statuses) / sizeof(statuses[0]) && strcmp(status, statuses[i]))
        i++;
    if (status && i == sizeof(statuses) / sizeof(statuses[0])) {
        api_reply_error(r, 400, "status",
                        "status must be one of draft, scheduled, running, "
                        "paused, completed, cancelled, failed");
        return;
    }
    int before_id;
    if (before && api_query_int(before, 0, 2147483647, &before_id) != 0) {
        api_reply_error(r, 400, "before", "before must be a campaign id");
        return;
    }
    char limit_text[16];
    snprintf(limit_text, sizeof(limit_text), "%d", limit);
    const char *params[3] = {status, before, limit_text};
    char sql[sizeof(list_sql_fmt) + 128], state[6];
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    snprintf(sql, sizeof(sql), list_sql_fmt,
             "(SELECT row_to_json(p) FROM campaign_progress p WHERE p.campaign_id = c.id)");
    PGresult *res = api_db_exec(&l, sql, 3, params, state);
    if (!res && !strcmp(state, "42P01")) { /* analytics views not migrated yet */
        snprintf(sql, sizeof(sql), list_sql_fmt, "NULL::json");
        res = api_db_exec(&l, sql, 3, params, NULL);
    }
    api_db_release(&l);
    if (!res) {
        api_reply_error(r, 503, "", "database error, retry later");
        return;
    }
    json_t *list = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    api_reply_json(r, 200, json_pack("{s:o}", "campaigns", list ? list : json_array()));
}

/* Runs a query returning one JSON text cell for campaign $1; `fallback` when it fails or
 * returns nothing (views not there yet). Never fails the request. */
static json_t *optional_json(struct api_db_lease *l, const char *sql, const char *id,
                             json_t *fallback)
{
    const char *params[1] = {id};
    PGresult *res = api_db_exec(l, sql, 1, params, NULL);
    json_t *j = NULL;
    if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        j = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    if (j) {
        json_decref(fallback);
        return j;
    }
    return fallback;
}

static const char campaign_sql[] =
    "SELECT json_build_object('id', c.id, 'name', c.name, 'status', c.status,"
    " 'status_reason', c.status_reason, 'phone_number_id', c.phone_number_id,"
    " 'template', jsonb_build_object('name', c.template_name, 'language', c.template_language,"
    "   'params', c.template_params) || coalesce(c.template_components, '{}'),"
    " 'audience', c.audience, 'rate_limit_per_second', c.rate_limit_per_second,"
    " 'send_window', c.send_window, 'max_failure_rate', c.max_failure_rate,"
    " 'inside_send_window', campaign_send_window_open(c.send_window, now()), " SEND_WINDOW_OPENS_AT
    ","
    " 'audience_size', c.audience_size, 'scheduled_at', c.scheduled_at,"
    " 'duplicated_from', c.duplicated_from, 'created_at', c.created_at,"
    " 'updated_at', c.updated_at, 'started_at', c.started_at, 'paused_at', c.paused_at,"
    " 'resumed_at', c.resumed_at, 'completed_at', c.completed_at,"
    " 'cancelled_at', c.cancelled_at, 'failed_at', c.failed_at)::text"
    " FROM campaigns c WHERE c.id = $1::bigint";
static const char progress_sql[] =
    "SELECT row_to_json(p)::text FROM campaign_progress p WHERE p.campaign_id = $1::bigint";
static const char analytics_sql[] =
    "SELECT row_to_json(a)::text FROM campaign_analytics a WHERE a.campaign_id = $1::bigint";
static const char failures_sql[] =
    "SELECT coalesce(json_agg(row_to_json(f) ORDER BY f.recipients DESC), '[]'::json)::text"
    " FROM campaign_failures f WHERE f.campaign_id = $1::bigint";
static const char timeseries_sql[] =
    "SELECT coalesce(json_agg(row_to_json(t) ORDER BY t.minute), '[]'::json)::text FROM ("
    " SELECT * FROM campaign_timeseries WHERE campaign_id = $1::bigint"
    " ORDER BY minute DESC LIMIT 1440) t";

void api_handle_campaign_get(const struct api_call *call, struct api_reply *r)
{
    char id[24];
    id_text(call->route->campaign_id, id);
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    json_t *campaign = optional_json(&l, campaign_sql, id, NULL);
    if (!campaign) {
        api_db_release(&l);
        api_reply_error(r, 404, "", "campaign %s does not exist", id);
        return;
    }
    json_t *body = json_pack("{s:o, s:o, s:o, s:o, s:o}", "campaign", campaign, "progress",
                             optional_json(&l, progress_sql, id, json_null()), "analytics",
                             optional_json(&l, analytics_sql, id, json_null()), "failures",
                             optional_json(&l, failures_sql, id, json_array()), "timeseries",
                             optional_json(&l, timeseries_sql, id, json_array()));
    api_db_release(&l);
    api_reply_json(r, 200, body);
}

void api_handle_campaign_progress(const struct api_call *call, struct api_reply *r)
{
    char id[24], status[16], state[6];
    id_text(call->route->campaign_id, id);
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    int found = campaign_status(&l, call->route->campaign_id, status);
    if (found <= 0) {
        api_db_release(&l);
        if (found < 0)
            api_reply_error(r, 503, "", "database error, retry later");
        else
            api_reply_error(r, 404, "", "campaign %s does not exist", id);
        return;
    }
    const char *params[1] = {id};
    PGresult *res = api_db_exec(&l, progress_sql, 1, params, state);
    api_db_release(&l);
    if (!res) {
        api_reply_error(r, 503, "",
                        !strcmp(state, "42P01") ? "progress is not available: the analytics "
                                                  "migrations are not applied"
                                                : "database error, retry later");
        return;
    }
    if (PQntuples(res) == 1)
        api_reply_text(r, 200, PQgetvalue(res, 0, 0));
    else
        api_reply_json(r, 200,
                       json_pack("{s:I, s:s}", "campaign_id", (json_int_t)call->route->campaign_id,
                                 "status", status));
    PQclear(res);
}
