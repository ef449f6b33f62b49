/*
 * failure_guard.c - pause a running campaign whose recent messages mostly fail (see the header).
 */
#include "failure_guard.h"

#include <stdio.h>

#include "segmenter_pg.h"

/* A campaign's settled and failed messages as the guard counts them: the analytics stage's
 * counters without the recipients who stopped marketing messages (131050, whether Meta refused
 * the message or Herald skipped a contact that opted out after the snapshot). They say nothing
 * of a stale list or a broken template, and do not cost the number's quality rating; a
 * campaign sent after a wave of STOP replies must not be paused for obeying them. */
#define GUARD_COUNTS                                                                               \
    "(SELECT s.campaign_id, greatest(s.settled - coalesce(f.recipients, 0), 0) AS settled, "       \
    "greatest(s.failed - coalesce(f.recipients, 0), 0) AS failed "                                 \
    "FROM analytics_campaign_stats s LEFT JOIN analytics_campaign_failures f "                     \
    "ON f.campaign_id = s.campaign_id AND f.error_code = 131050)"

/* $1 the segmenter's share (0 = none), $2 least settled messages. A campaign's own
 * max_failure_rate wins over $1. The counters are analytics_campaign_stats and one row of
 * analytics_campaign_failures (primary-key rows kept by the analytics stage), so a tick costs
 * two lookups per running campaign, not a count of its recipients. Judged: what settled since the
 * counting point, unless the campaign was resumed after it (the REBASE below moves the point
 * first). */
static const char TRIP_SQL[] =
    "UPDATE campaigns c SET status = 'paused', paused_at = now(), updated_at = now(), "
    "failure_guard_tripped_at = now(), status_reason = format('paused by the failure guard: %s "
    "of %s settled messages failed%s (%s %%, more than %s %s %%); check the audience and the "
    "template, then resume (the guard then counts afresh)', "
    "s.failed - c.failure_guard_from_failed, s.settled - c.failure_guard_from_settled, "
    "CASE WHEN c.failure_guard_from_at IS NULL THEN '' ELSE ' since ' || "
    "to_char(c.failure_guard_from_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"') END, "
    "round(100.0 * (s.failed - c.failure_guard_from_failed) / "
    "(s.settled - c.failure_guard_from_settled), 1), "
    "CASE WHEN c.max_failure_rate IS NULL THEN 'pause_above_failure_rate' ELSE "
    "'max_failure_rate' END, round(100 * coalesce(c.max_failure_rate, $1::float8)::numeric, 1)) "
    "FROM " GUARD_COUNTS " s "
    "WHERE s.campaign_id = c.id AND c.status = 'running' "
    "AND (c.resumed_at IS NULL OR c.resumed_at <= c.failure_guard_from_at) "
    "AND coalesce(c.max_failure_rate, nullif($1::float8, 0)) IS NOT NULL "
    "AND s.settled - c.failure_guard_from_settled >= $2::bigint "
    "AND s.failed - c.failure_guard_from_failed > "
    "coalesce(c.max_failure_rate, $1::float8) * (s.settled - c.failure_guard_from_settled) "
    "RETURNING c.id::text, c.status_reason";

/* $1 failure_guard_window (0 = never by count). The counting point moves to the counters of
 * now for a campaign resumed since its point, one whose count reached the window (after the
 * TRIP judged it), and one whose counters went below the point (an analytics recalculation). */
static const char REBASE_SQL[] =
    "WITH n AS (SELECT c.id, coalesce(s.settled, 0) AS settled, coalesce(s.failed, 0) AS failed "
    "FROM campaigns c LEFT JOIN " GUARD_COUNTS " s ON s.campaign_id = c.id "
    "WHERE c.status = 'running') "
    "UPDATE campaigns c SET failure_guard_from_settled = n.settled, "
    "failure_guard_from_failed = n.failed, failure_guard_from_at = now() FROM n "
    "WHERE c.id = n.id AND c.status = 'running' "
    "AND (c.resumed_at > coalesce(c.failure_guard_from_at, '-infinity') "
    "OR ($1::bigint > 0 AND n.settled - c.failure_guard_from_settled >= $1::bigint) "
    "OR n.settled < c.failure_guard_from_settled OR n.failed < c.failure_guard_from_failed)";

static void trip(struct segmenter *s, PGconn *conn)
{
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

static void rebase(struct segmenter *s, PGconn *conn)
{
    char window[32], err[256];
    snprintf(window, sizeof(window), "%lld", (long long)s->failure_guard_window);
    const char *params[] = {window};
    if (pgx_exec(conn, REBASE_SQL, 1, params, NULL, err, sizeof(err)) != PGX_OK)
        s->api->log(s->host, HERALD_LOG_WARN, "failure guard: %s", err);
}

void failure_guard_tick(struct segmenter *s)
{
    PGconn *conn = s->api->pg_main(s->host);
    if (!conn)
        return;
    trip(s, conn);   /* first: a full window is judged before it is closed */
    rebase(s, conn);
}
