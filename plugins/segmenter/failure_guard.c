/*
 * failure_guard.c - pause a running campaign whose messages mostly fail (see the header).
 */
#include "failure_guard.h"

#include <stdio.h>

#include "segmenter_pg.h"

/* $1 the segmenter's share (0 = none), $2 least settled messages. A campaign's own
 * max_failure_rate wins over $1. The counters are analytics_campaign_stats (a primary-key row
 * per campaign, kept by the analytics stage), so a tick costs a lookup per running campaign,
 * not a count of its recipients. */
static const char TRIP_SQL[] =
    "UPDATE campaigns c SET status = 'paused', paused_at = now(), updated_at = now(), "
    "failure_guard_tripped_at = now(), status_reason = format('paused by the failure guard: %s "
    "of %s settled messages failed (%s %%, more than %s %s %%); check the audience and the "
    "template, then resume', s.failed, s.settled, round(100.0 * s.failed / s.settled, 1), "
    "CASE WHEN c.max_failure_rate IS NULL THEN 'pause_above_failure_rate' ELSE "
    "'max_failure_rate' END, round(100 * coalesce(c.max_failure_rate, $1::float8)::numeric, 1)) "
    "FROM analytics_campaign_stats s "
    "WHERE s.campaign_id = c.id AND c.status = 'running' AND c.failure_guard_tripped_at IS NULL "
    "AND coalesce(c.max_failure_rate, nullif($1::float8, 0)) IS NOT NULL "
    "AND s.settled >= $2::bigint "
    "AND s.failed > coalesce(c.max_failure_rate, $1::float8) * s.settled "
    "RETURNING c.id::text, c.status_reason";

void failure_guard_tick(struct segmenter *s)
{
    PGconn *conn = s->api->pg_main(s->host);
    if (!conn)
        return;
    char share[32], least[32], err[256];
    snprintf(share, sizeof(share), "%.17g", s->pause_above_failure_rate);
    snprintf(least, sizeof(least), "%lld", (long long)s->failure_guard_min_settled);
    const char *params[] = {share, least};
    PGresult *res = NULL;
    if (pgx_exec(conn, TRIP_SQL, 2, params, &res, err, sizeof(err)) != PGX_OK) {
        s->api->log(s->host, HERALD_LOG_WARN, "failure guard: %s", err);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        s->api->counter_add(s->campaigns_guarded, 1);
        s->api->log(s->host, HERALD_LOG_WARN, "campaign %s %s", PQgetvalue(res, i, 0),
                    PQgetvalue(res, i, 1));
    }
    PQclear(res);
}
