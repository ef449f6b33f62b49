/*
 * messaging_limit.c - the room left under Meta's messaging limit (see the header).
 */
#include "messaging_limit.h"

#include <stdio.h>
#include <stdlib.h>

#include "segmenter_pg.h"

/* Any number no other Herald lock uses (migrations.c holds 7243019871). */
#define MESSAGING_LIMIT_LOCK "7243019872"

/* One line when the limit starts holding new people back, naming when room frees up. */
static void note_full(struct segmenter *s, long long used, const char *frees_at)
{
    if (s->messaging_limit_full)
        return;
    s->messaging_limit_full = 1;
    s->api->log(s->host, HERALD_LOG_WARN,
                "messaging limit reached: %lld of %lld people contacted in the last 24 h; "
                "recipients not contacted in that time wait (the next one may go at %s)",
                used, (long long)s->messaging_limit, frees_at);
}

int messaging_limit_room(struct segmenter *s, PGconn *conn, long long *room, char *err,
                         size_t errlen)
{
    PGresult *res = NULL;
    if (pgx_exec(conn, "SELECT pg_advisory_xact_lock(" MESSAGING_LIMIT_LOCK ")", 0, NULL, NULL, err,
                 errlen) != PGX_OK ||
        pgx_exec(conn,
                 "SELECT count(*), coalesce(to_char(min(contacted_at) + interval '24 hours', "
                 "'YYYY-MM-DD HH24:MI:SS TZ'), '-') FROM messaging_limit_contacts "
                 "WHERE contacted_at > now() - interval '24 hours'",
                 0, NULL, &res, err, errlen) != PGX_OK)
        return -1;
    long long used = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *room = used < s->messaging_limit ? s->messaging_limit - used : 0;
    s->api->gauge_set(s->messaging_limit_gauge, (double)used);
    if (*room == 0)
        note_full(s, used, PQgetvalue(res, 0, 1));
    else if (s->messaging_limit_full) {
        s->messaging_limit_full = 0;
        s->api->log(s->host, HERALD_LOG_INFO,
                    "messaging limit: room for %lld more people in the last 24 h; sending on",
                    *room);
    }
    PQclear(res);
    return 0;
}

void messaging_limit_prune(struct segmenter *s)
{
    PGconn *conn = s->api->pg_main(s->host);
    char err[256];
    if (conn && pgx_exec(conn,
                         "DELETE FROM messaging_limit_contacts "
                         "WHERE contacted_at <= now() - interval '24 hours'",
                         0, NULL, NULL, err, sizeof(err)) != PGX_OK)
        s->api->log(s->host, HERALD_LOG_WARN, "messaging limit: pruning old contacts: %s", err);
}
