/*
 * schedule.c - starts scheduled campaigns when their time comes.
 *
 * Why it is built this way: the schedule lives in PostgreSQL (campaigns.scheduled_at), so it
 * survives restarts with nothing to re-arm; every tick asks for due campaigns (indexed by
 * campaigns_due), which starts a campaign within one tick of its time. With several segmenter
 * instances a due campaign fires exactly once: it is taken with FOR UPDATE SKIP LOCKED and
 * its status changes to `running` in the same transaction as its audience snapshot, so no
 * other instance can see it as `scheduled` afterwards. A campaign whose snapshot cannot be
 * taken for a reason in its own definition becomes `failed` with the reason.
 */
#include <stdio.h>
#include <string.h>

#include "segmenter.h"
#include "segmenter_pg.h"

#define MAX_STARTS_PER_TICK 10

static void mark_failed(struct segmenter *s, PGconn *conn, const char *id, const char *reason)
{
    char err[256];
    const char *params[] = {id, reason};
    if (pgx_exec(conn,
                 "UPDATE campaigns SET status = 'failed', failed_at = now(), updated_at = now(), "
                 "status_reason = $2 WHERE id = $1::bigint AND status = 'scheduled'",
                 2, params, NULL, err, sizeof(err)) != PGX_OK)
        s->api->log(s->host, HERALD_LOG_WARN, "campaign %s: could not mark failed: %s", id, err);
}

/* Starts one due campaign. Returns 1 when one was handled, 0 when none is due, -1 on error. */
static int start_one_due(struct segmenter *s, PGconn *conn)
{
    char err[512] = "";
    if (pgx_cmd(conn, "BEGIN", err, sizeof(err)) != PGX_OK)
        return -1;
    PGresult *res = NULL;
    if (pgx_exec(conn,
                 "SELECT id::text FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= "
                 "now() ORDER BY scheduled_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                 0, NULL, &res, err, sizeof(err)) != PGX_OK) {
        pgx_rollback(conn);
        return -1;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        pgx_rollback(conn);
        return 0;
    }
    char id[32];
    snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    long long size = 0;
    int data_error = 0;
    if (campaign_start_locked(s, conn, id, &size, &data_error, err, sizeof(err)) == 0 &&
        pgx_cmd(conn, "COMMIT", err, sizeof(err)) == PGX_OK) {
        s->api->log(s->host, HERALD_LOG_INFO, "scheduled campaign %s started, audience %lld", id,
                    size);
        return 1;
    }
    pgx_rollback(conn);
    if (!data_error) {
        s->api->log(s->host, HERALD_LOG_WARN, "scheduled campaign %s: start failed, retrying: %s",
                    id, err);
        return -1;
    }
    s->api->log(s->host, HERALD_LOG_WARN, "scheduled campaign %s failed: %s", id, err);
    mark_failed(s, conn, id, err);
    return 1;
}

void schedule_tick(struct segmenter *s)
{
    PGconn *conn = s->api->pg_main(s->host);
    for (int i = 0; conn && i < MAX_STARTS_PER_TICK; i++)
        if (start_one_due(s, conn) != 1)
            break;
}
