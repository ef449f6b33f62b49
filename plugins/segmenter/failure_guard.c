/*
 * failure_guard.c - pause a running campaign whose messages mostly fail (see the header).
 */
#include "failure_guard.h"

#include <stdio.h>

#include "segmenter_pg.h"

/* $1 share (0, 1), $2 least settled messages. The counters are analytics_campaign_stats (a
 * primary-key row per campaign, kept by the analytics stage), so a tick costs a lookup per
 * running campaign, not a count of its recipients. */
static const char TRIP_SQL[] =
    "UPDATE campaigns c SET status = 'paused', paused_at = now(), updated_at = now(), "
    "failure_guard_tripped_at = now(), status_reason = format('paused by the failure guard: %s "
    "of %s settled messages failed (%s %%, more than pause_above_failure_rate %s %%); check the "
    "audience and the template, then resume', s.failed, s.settled, round(100.0 * s.failed / "
    "s.settled, 1), round(100 * $1::numeric, 1)) FROM analytics_campaign_stats s "
    "WHERE s.campaign_id = c.id AND c.status = 'running' AND c.failure_guard_tripped_at IS NULL "
    "AND s.settled >= $2::bigint AND s.failed > $1::float8 * s.settled "
    "RETURNING c.id::text, c.status_reason";

void failure_guard_tick(struct segmenter *s)
{
    PGconn *conn = s->api->pg_main(s->host);
    if (!conn || s->pause_above_failure_rate <= 0)
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
