/*
 * api_reply_handlers.c - GET /api/campaigns/{id}/replies: what people answered to a campaign,
 * newest first (view reply_messages, migration 058), a page at a time.
 *
 * Why: the dashboard and integrations read the answers themselves (questions to follow up,
 * complaints, who said STOP), not only their count. Pages by key on (received_at, wamid), the
 * order of the index analytics_replies_campaign, so a page deep in a busy campaign costs what
 * the first one does. Query parameters:
 *   limit    replies per page, 1-200, default 50
 *   before   the next_before of the previous page (opaque; 400 when it is not one)
 * Answer: {"campaign_id": N, "replies": [{wamid, phone, profile_name, received_at, type, body,
 * context_id, recipient_id, attribution, opt}], "next_before": cursor or null on the last page}.
 */
#include "api_db.h"
#include "api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The cursor is "<received_at in microseconds since the epoch>|<wamid>" of the page's last
 * row: exact both ways (integer microseconds, no float and no time zone), and the cast
 * refuses anything else with a data exception. */
static const char page_sql[] =
    "SELECT coalesce(json_agg(json_build_object('wamid', r.wamid, 'phone', r.phone, "
    "'profile_name', r.profile_name, 'received_at', r.received_at, 'type', r.type, 'body', "
    "r.body, 'context_id', r.context_id, 'recipient_id', r.recipient_id, 'attribution', "
    "r.attribution, 'opt', r.opt) ORDER BY r.received_at DESC, r.wamid DESC), '[]'::json)::text, "
    "count(*), (array_agg((extract(epoch FROM r.received_at) * 1000000)::bigint || '|' || "
    "r.wamid ORDER BY r.received_at DESC, r.wamid DESC))[count(*)] FROM ("
    " SELECT * FROM reply_messages WHERE campaign_id = $1::bigint AND ($2::text IS NULL OR"
    " (received_at, wamid) < (timestamptz 'epoch' + split_part($2, '|', 1)::bigint *"
    " interval '1 microsecond',"
    " substr($2, strpos($2, '|') + 1)))"
    " ORDER BY received_at DESC, wamid DESC LIMIT $3::int) r";

void api_handle_campaign_replies(const struct api_call *call, struct api_reply *r)
{
    int limit;
    if (api_query_int(api_call_query(call, "limit"), 50, 200, &limit) != 0) {
        api_reply_error(r, 400, "limit", "limit must be an integer from 1 to 200");
        return;
    }
    const char *before = api_call_query(call, "before");
    if (before && (strlen(before) > 300 || !strchr(before, '|'))) {
        api_reply_error(r, 400, "before", "before must be the next_before of a previous page");
        return;
    }
    char id[24], limit_text[16], state[6];
    snprintf(id, sizeof(id), "%lld", (long long)call->route->campaign_id);
    snprintf(limit_text, sizeof(limit_text), "%d", limit);
    const char *params[3] = {id, before, limit_text};
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    PGresult *res =
        api_db_exec(&l, "SELECT 1 FROM campaigns WHERE id = $1::bigint", 1, params, NULL);
    int found = !res ? -1 : PQntuples(res) == 1; /* -1: the database failed */
    PQclear(res);
    res = found > 0 ? api_db_exec(&l, page_sql, 3, params, state) : NULL;
    api_db_release(&l);
    if (found < 0)
        api_reply_error(r, 503, "", "database error, retry later");
    else if (!found)
        api_reply_error(r, 404, "", "campaign %s not found", id);
    else if (!res && !strncmp(state, "22", 2)) /* data exception: a cursor that is not one */
        api_reply_error(r, 400, "before", "before must be the next_before of a previous page");
    else if (!res)
        api_reply_error(r, 503, "", "database error, retry later");
    else {
        json_t *rows = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
        int full = atoi(PQgetvalue(res, 0, 1)) == limit;
        api_reply_json(r, 200,
                       json_pack("{s:I, s:o, s:o}", "campaign_id",
                                 (json_int_t)call->route->campaign_id, "replies",
                                 rows ? rows : json_array(), "next_before",
                                 full ? json_string(PQgetvalue(res, 0, 2)) : json_null()));
    }
    PQclear(res);
}
