/*
 * completion.c - marks running campaigns completed once every recipient is final.
 *
 * Why: only the database knows when the last recipient of a campaign was accepted or failed
 * (dispatchers on other machines write it), so completion is one set-based UPDATE that any
 * instance may run: a running campaign with no recipient in pending/queued/sending (also an
 * empty audience) becomes `completed` with its finish time. The partial index
 * campaign_recipients_open keeps the NOT EXISTS cheap.
 */
#include "segmenter.h"
#include "segmenter_pg.h"

void completion_tick(struct segmenter *s)
{
    PGconn *conn = s->api->pg_main(s->host);
    if (!conn)
        return;
    PGresult *res = NULL;
    char err[256];
    if (pgx_exec(conn,
                 "UPDATE campaigns c SET status = 'completed', completed_at = now(), updated_at = "
                 "now() WHERE c.status = 'running' AND NOT EXISTS (SELECT 1 FROM "
                 "campaign_recipients r WHERE r.campaign_id = c.id AND r.state IN ('pending', "
                 "'queued', 'sending')) RETURNING c.id::text, c.audience_size",
                 0, NULL, &res, err, sizeof(err)) != PGX_OK) {
        s->api->log(s->host, HERALD_LOG_WARN, "completion check failed: %s", err);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        s->api->counter_add(s->campaigns_completed, 1);
        s->api->log(s->host, HERALD_LOG_INFO, "campaign %s completed (audience %s)",
                    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    }
    PQclear(res);
}
