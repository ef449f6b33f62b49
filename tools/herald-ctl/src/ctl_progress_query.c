/*
 * ctl_progress_query.c - progress from PostgreSQL; see ctl_progress_query.h.
 */
#include "ctl_progress_query.h"

#include "ctl_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns 12 and 13 of both queries: when a running campaign waiting for its send window goes
 * on, in UTC and as the weekday and time in the zone the window names (it opens within a
 * day, so the weekday is enough); column 14: when the messaging limit lets its next person go. */
#define WINDOW_OPENS_COLUMNS                                                                       \
    "to_char(o.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "                         \
    "to_char(o.at AT TIME ZONE (c.send_window ->> 'time_zone'), 'Dy HH24:MI') || ' ' || "          \
    "(c.send_window ->> 'time_zone'), "                                                            \
    "to_char(o.limit_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
#define WINDOW_OPENS_JOIN                                                                          \
    "CROSS JOIN LATERAL (SELECT campaign_waits_until(c) AS at, "                                   \
    "campaign_limit_waits_until(c) AS limit_at) o "

static const char view_sql[] =
    "SELECT c.status, coalesce(c.status_reason, ''), "
    "coalesce(p.audience_size, c.audience_size, 0), coalesce(p.pending, -1), "
    "coalesce(p.accepted, 0), coalesce(p.sent, 0), coalesce(p.delivered, 0), "
    "coalesce(p.read, 0), coalesce(p.failed, 0), coalesce(p.replied, 0), "
    "coalesce(p.rate_per_second, 0), coalesce(p.eta_seconds, -1), " WINDOW_OPENS_COLUMNS
    "FROM campaigns c LEFT JOIN campaign_progress p ON p.campaign_id = c.id " WINDOW_OPENS_JOIN
    "WHERE c.id = $1";

static const char fallback_sql[] =
    "SELECT c.status, coalesce(c.status_reason, ''), coalesce(c.audience_size, 0), "
    "count(r.recipient_id) FILTER (WHERE r.state IN ('pending', 'queued', 'sending')), "
    "count(r.recipient_id) FILTER (WHERE r.state = 'accepted'), 0, 0, 0, "
    "count(r.recipient_id) FILTER (WHERE r.state = 'failed'), 0, 0, -1, " WINDOW_OPENS_COLUMNS
    "FROM campaigns c LEFT JOIN campaign_recipients r ON r.campaign_id = c.id " WINDOW_OPENS_JOIN
    "WHERE c.id = $1 GROUP BY c.id, o.at, o.limit_at";

static long long ll(const PGresult *res, int col)
{
    return strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

static void fill(const PGresult *res, long long id, struct ctl_progress_snapshot *snap)
{
    memset(snap, 0, sizeof(*snap));
    snprintf(snap->status, sizeof(snap->status), "%s", PQgetvalue(res, 0, 0));
    snprintf(snap->status_reason, sizeof(snap->status_reason), "%s", PQgetvalue(res, 0, 1));
    struct ctl_progress *p = &snap->p;
    p->campaign_id = id;
    p->status = snap->status;
    if (strcmp(snap->status, "paused") == 0 && snap->status_reason[0])
        p->paused_because = snap->status_reason;
    p->audience = ll(res, 2);
    p->pending = ll(res, 3);
    p->accepted = ll(res, 4);
    p->sent = ll(res, 5);
    p->delivered = ll(res, 6);
    p->read = ll(res, 7);
    p->failed = ll(res, 8);
    p->replied = ll(res, 9);
    p->rate = strtod(PQgetvalue(res, 0, 10), NULL);
    p->eta_seconds = strtod(PQgetvalue(res, 0, 11), NULL);
    if (!PQgetisnull(res, 0, 12)) {
        snprintf(snap->window_opens_utc, sizeof(snap->window_opens_utc), "%s",
                 PQgetvalue(res, 0, 12));
        snprintf(snap->window_opens_local, sizeof(snap->window_opens_local), "%s",
                 PQgetvalue(res, 0, 13));
        p->window_opens_utc = snap->window_opens_utc;
        p->window_opens_local = snap->window_opens_local;
    }
    if (!PQgetisnull(res, 0, 14)) {
        snprintf(snap->limit_next_utc, sizeof(snap->limit_next_utc), "%s", PQgetvalue(res, 0, 14));
        p->limit_next_utc = snap->limit_next_utc;
    }
}

enum ctl_progress_result ctl_progress_fetch(PGconn *pg, long long id, bool *use_view,
                                            struct ctl_progress_snapshot *snap, char *err,
                                            size_t errlen)
{
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%lld", id);
    const char *params[] = {idbuf};
    PGresult *res = NULL;
    enum ctl_db_status st = CTL_DB_MISSING;
    if (*use_view)
        st = ctl_db_query(pg, view_sql, 1, params, &res, err, errlen);
    if (st == CTL_DB_MISSING) {
        *use_view = false;
        st = ctl_db_query(pg, fallback_sql, 1, params, &res, err, errlen);
    }
    if (st != CTL_DB_OK)
        return CTL_PROGRESS_DB_ERROR;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return CTL_PROGRESS_NOT_FOUND;
    }
    fill(res, id, snap);
    snap->source = *use_view ? CTL_PROGRESS_VIEW : CTL_PROGRESS_FALLBACK;
    PQclear(res);
    return CTL_PROGRESS_OK;
}

bool ctl_progress_is_final(const char *status)
{
    return strcmp(status, "completed") == 0 || strcmp(status, "cancelled") == 0 ||
           strcmp(status, "failed") == 0;
}
