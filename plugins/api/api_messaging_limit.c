/*
 * api_messaging_limit.c - GET / PUT /api/messaging-limit: Meta's messaging limit of the business
 * portfolio, the same value and figures as `herald-ctl messaging-limit`.
 *
 * Why here: the limit is one value in PostgreSQL for every segmenter (migrations/015), and the
 * people who raise it when Meta moves the portfolio up a tier may only have the control API.
 */
#include "api_db.h"
#include "api_internal.h"

#include <stdio.h>

/* The status as one JSON object: people, used, room (null without a limit), next_room_at, and
 * meta_announced, the last limit Meta announced by webhook (migrations/018; people null for
 * unlimited), null before the first. */
#define STATUS_JSON                                                                                \
    "json_build_object('people', people, 'used', used, 'room', room, 'next_room_at', "             \
    "next_room_at, 'meta_announced', (SELECT json_build_object('people', "                         \
    "nullif(s.meta_people, 0), 'announced_at', s.meta_announced_at, 'source', s.meta_source) "     \
    "FROM messaging_limit_setting s WHERE s.meta_announced_at IS NOT NULL))::text"

#define PEOPLE_MAX 2000000000

static void reply_status(const struct api_call *call, struct api_reply *r, const char *sql,
                         const char *people)
{
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    const char *params[1] = {people};
    PGresult *res = api_db_exec(&l, sql, people ? 1 : 0, people ? params : NULL, NULL);
    api_db_release(&l);
    if (!res) {
        api_reply_error(r, 503, "", "database error, retry later");
        return;
    }
    json_t *status = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    api_reply_json(r, 200, json_pack("{s:o}", "messaging_limit", status ? status : json_null()));
}

void api_handle_messaging_limit_get(const struct api_call *call, struct api_reply *r)
{
    reply_status(call, r, "SELECT " STATUS_JSON " FROM messaging_limit_status()", NULL);
}

void api_handle_messaging_limit_set(const struct api_call *call, struct api_reply *r)
{
    json_t *body = api_call_json(call, r, 0);
    if (!body)
        return;
    const json_t *people = json_object_get(body, "people");
    if (!json_is_integer(people) || json_integer_value(people) < 0 ||
        json_integer_value(people) > PEOPLE_MAX || json_object_size(body) != 1) {
        json_decref(body);
        api_reply_error(r, 400, "people",
                        "the body must be {\"people\": N}, N a whole number of people per 24 h "
                        "from 0 (no limit) to %d",
                        PEOPLE_MAX);
        return;
    }
    char value[24];
    snprintf(value, sizeof(value), "%lld", (long long)json_integer_value(people));
    json_decref(body);
    reply_status(call, r, "SELECT " STATUS_JSON " FROM messaging_limit_set($1::integer)", value);
}
