/*
 * api_recipient_handlers.c - GET /api/campaigns/{id}/recipients: a campaign's recipients with
 * what became of each (view campaign_recipient_outcomes, migration 058), a page at a time.
 *
 * Why pages by key and not by offset: a campaign can have millions of recipients, and
 * `after=<last recipient_id>` costs the same on the last page as on the first (an index range
 * on the primary key), where OFFSET re-reads everything before it. Query parameters:
 *   outcome  comma-separated outcomes to keep (failed; read,delivered; blanks ignored); 400
 *            naming any other
 *   after    the next_after of the previous page (recipient ids are positive)
 *   limit    rows per page, 1-1000, default 100
 *   format   json (default) or csv: every row of the filter as one streamed download
 *            (api_recipient_csv.c; limit and after are refused with it)
 * Answer: {"campaign_id": N, "recipients": [...], "next_after": id or null on the last page}.
 * herald-ctl campaign recipients streams the same rows, as CSV or NDJSON.
 */
#include "api_db.h"
#include "api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTCOME_LIST_MAX 256

/* Does the campaign exist; the words of $2 that are no outcome (empty when none or $2 is NULL);
 * the ones there are. */
static const char check_sql[] = "SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1::bigint), "
                                "campaign_recipient_outcomes_unknown($2), "
                                "array_to_string(campaign_recipient_outcome_names(), ', ')";

/* The page as one JSON array, its last recipient id and its length (the filter is the
 * database's, migration 058). */
static const char page_sql[] =
    "SELECT coalesce(json_agg(o ORDER BY o.recipient_id), '[]'::json)::text, "
    "max(o.recipient_id), count(*) FROM ("
    " SELECT * FROM campaign_recipient_outcomes_of($1::bigint, $2)"
    " WHERE recipient_id > $3::bigint ORDER BY recipient_id LIMIT $4::int) o";

/* 0 when the campaign exists and every outcome is known; else the reply is set. */
static int check(struct api_db_lease *l, struct api_reply *r, const char *const params[2])
{
    char state[6];
    PGresult *res = api_db_exec(l, check_sql, 2, params, state);
    if (!res) {
        if (!strcmp(state, "42883") || !strcmp(state, "42P01"))
            api_reply_error(r, 503, "", "database not migrated (058): herald-stage --migrate");
        else
            api_reply_error(r, 503, "", "database error, retry later");
        return -1;
    }
    int rc = 0;
    if (PQgetvalue(res, 0, 0)[0] != 't') {
        api_reply_error(r, 404, "", "campaign %s not found", params[0]);
        rc = -1;
    } else if (PQgetvalue(res, 0, 1)[0]) {
        api_reply_error(r, 400, "outcome", "unknown outcome '%s' (one of: %s)",
                        PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
        rc = -1;
    }
    PQclear(res);
    return rc;
}

static void reply_page(struct api_reply *r, PGresult *res, const char *id, int limit)
{
    json_t *rows = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    long long count = atoll(PQgetvalue(res, 0, 2));
    json_t *next = count == limit ? json_integer(atoll(PQgetvalue(res, 0, 1))) : json_null();
    api_reply_json(r, 200,
                   json_pack("{s:I, s:o, s:o}", "campaign_id", (json_int_t)atoll(id), "recipients",
                             rows ? rows : json_array(), "next_after", next));
}

/* 0 with the outcome filter (NULL = all) when the query string is valid for the format; else
 * the 400 is set. */
static int parse_filter(const struct api_call *call, struct api_reply *r, int csv,
                        const char **outcomes)
{
    if (csv && (api_call_query(call, "limit") || api_call_query(call, "after"))) {
        api_reply_error(r, 400, api_call_query(call, "limit") ? "limit" : "after",
                        "limit and after page the JSON answer; format=csv streams every row");
        return -1;
    }
    *outcomes = api_call_query(call, "outcome");
    if (*outcomes &&
        (strlen(*outcomes) > OUTCOME_LIST_MAX || !(*outcomes)[strspn(*outcomes, " ,")])) {
        api_reply_error(r, 400, "outcome",
                        "outcome must be a comma-separated list of outcomes (at most %d "
                        "characters)",
                        OUTCOME_LIST_MAX);
        return -1;
    }
    return 0;
}

static void page(const struct api_call *call, struct api_reply *r, struct api_db_lease *l,
                 const char *outcomes)
{
    int limit, after;
    if (api_query_int(api_call_query(call, "limit"), 100, 1000, &limit) != 0) {
        api_reply_error(r, 400, "limit", "limit must be an integer from 1 to 1000");
        return;
    }
    const char *after_text = api_call_query(call, "after");
    if (after_text && api_query_int(after_text, 0, 2147483647, &after) != 0) {
        api_reply_error(r, 400, "after", "after must be a recipient id (next_after of a page)");
        return;
    }
    char id[24], limit_text[16];
    snprintf(id, sizeof(id), "%lld", (long long)call->route->campaign_id);
    snprintf(limit_text, sizeof(limit_text), "%d", limit);
    const char *params[4] = {id, outcomes, after_text ? after_text : "0", limit_text};
    PGresult *res = api_db_exec(l, page_sql, 4, params, NULL);
    if (res)
        reply_page(r, res, id, limit);
    else
        api_reply_error(r, 503, "", "database error, retry later");
    PQclear(res);
}

static void csv(const struct api_call *call, struct api_reply *r, const char *outcomes)
{
    r->stream = api_recipients_csv_stream(call->ctx, call->route->campaign_id, outcomes);
    if (r->stream)
        r->status = 200;
    else
        api_reply_error(r, 503, "", "database error, retry later");
}

void api_handle_campaign_recipients(const struct api_call *call, struct api_reply *r)
{
    const char *format = api_call_query(call, "format");
    if (format && strcmp(format, "json") && strcmp(format, "csv")) {
        api_reply_error(r, 400, "format", "format must be json (pages, the default) or csv");
        return;
    }
    int is_csv = format && !strcmp(format, "csv");
    const char *outcomes;
    if (parse_filter(call, r, is_csv, &outcomes) != 0)
        return;
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)call->route->campaign_id);
    const char *params[2] = {id, outcomes};
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    int ok = check(&l, r, params) == 0;
    if (ok && !is_csv)
        page(call, r, &l, outcomes);
    api_db_release(&l);
    if (ok && is_csv) /* a download has its own connection: it may last as long as the client */
        csv(call, r, outcomes);
}
