/*
 * job_emitter.c - bounded emission of `jobs`, one message per recipient, keyed by phone.
 *
 * Why it is built this way:
 * - Bounded: per running campaign at most `emission_window()` recipients sit in state `queued`
 *   (handed to Kafka, not yet claimed by a dispatcher). Each step tops the window up from the
 *   `pending` rows in recipient order, so a pause leaves at most one window to skip.
 * - Several segmenter instances: an emission step holds the campaign row with
 *   `FOR UPDATE SKIP LOCKED`; a second instance skips a campaign another one is stepping, and
 *   the pending rows it moves are gone from the next step's `pending` set, so nothing is
 *   emitted twice.
 * - Crash safety (our choice): rows are marked `queued` and committed BEFORE producing. A job
 *   Kafka refuses (delivery callback with an error, or produce() failing) puts its row back to
 *   `pending`. A crash between commit and produce leaves rows `queued` without a job, so on
 *   start the plugin resets `queued` rows of running campaigns to `pending`
 *   (job_emitter_recover) and they are emitted again; resume does the same for its campaign.
 *   The same recovery runs again once the database answers after an emission COMMIT failed
 *   (a connection lost during COMMIT leaves its outcome unknown) or a refused job could not
 *   be put back to `pending`: otherwise those rows would hold their window slots until
 *   requeue_stale_seconds.
 *   Re-emitting a job that did reach Kafka is harmless: the dispatcher's claim is idempotent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emission_sql.h"
#include "herald/text_buffer.h"
#include "messaging_limit.h"
#include "segmenter.h"
#include "segmenter_pg.h"
#include "template_components.h"

struct job_ticket {
    struct segmenter *s;
    char campaign[24];
    char recipient[24];
};

static void revert_to_pending(struct segmenter *s, const char *campaign, const char *ids)
{
    PGconn *conn = s->api->pg_main(s->host);
    char err[256];
    const char *params[] = {campaign, ids};
    if (!conn || pgx_exec(conn,
                          "UPDATE campaign_recipients SET state = 'pending', updated_at = now() "
                          "WHERE campaign_id = $1::bigint AND recipient_id = ANY($2::bigint[]) "
                          "AND state = 'queued' AND NOT claim_open",
                          2, params, NULL, err, sizeof(err)) != PGX_OK) {
        s->api->log(s->host, HERALD_LOG_WARN,
                    "campaign %s: could not return unsent recipients %.200s to pending; every "
                    "queued recipient is re-emitted once the database answers",
                    campaign, ids);
        s->recovered = 0;
    }
}

static void on_delivery(void *opaque, const char *err)
{
    struct job_ticket *t = opaque;
    struct segmenter *s = t->s;
    s->inflight--;
    s->api->gauge_set(s->inflight_gauge, (double)s->inflight);
    if (err) {
        s->api->counter_add(s->jobs_failed, 1);
        s->api->log(s->host, HERALD_LOG_WARN, "job for campaign %s recipient %s not delivered: %s",
                    t->campaign, t->recipient, err);
        char ids[32];
        snprintf(ids, sizeof(ids), "{%s}", t->recipient);
        revert_to_pending(s, t->campaign, ids);
    }
    free(t);
}

/* Produces rows [from, n) of the step's result; returns how many were handed to Kafka. */
static int produce_rows(struct segmenter *s, const char *campaign, PGresult *rows)
{
    int n = PQntuples(rows);
    for (int i = 0; i < n; i++) {
        struct job_ticket *t = calloc(1, sizeof(*t));
        const char *phone = PQgetvalue(rows, i, 1);
        const char *payload = PQgetvalue(rows, i, 2);
        if (t) {
            t->s = s;
            snprintf(t->campaign, sizeof(t->campaign), "%s", campaign);
            snprintf(t->recipient, sizeof(t->recipient), "%s", PQgetvalue(rows, i, 0));
        }
        if (!t || s->api->produce(s->host, s->jobs_topic, phone, strlen(phone), payload,
                                  (size_t)PQgetlength(rows, i, 2), NULL, on_delivery, t) != 0) {
            free(t);
            return i;
        }
        s->inflight++;
        s->api->counter_add(s->jobs_emitted, 1);
    }
    return n;
}

static void revert_unproduced(struct segmenter *s, const char *campaign, PGresult *rows, int from)
{
    struct text_buffer ids;
    text_buffer_init(&ids);
    text_buffer_puts(&ids, "{");
    for (int i = from; i < PQntuples(rows); i++)
        text_buffer_printf(&ids, "%s%s", i > from ? "," : "", PQgetvalue(rows, i, 0));
    text_buffer_puts(&ids, "}");
    char *text = text_buffer_take(&ids);
    if (text)
        revert_to_pending(s, campaign, text);
    free(text);
}

/* Locks the campaign if running, inside its send window (migrations/012) and free; returns its
 * row (rate, phone id, template) or NULL. */
static PGresult *lock_running(PGconn *conn, const char *id, char *err, size_t errlen)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    if (pgx_exec(conn,
                 "SELECT rate_limit_per_second::text, phone_number_id, template_name, "
                 "template_language, coalesce(template_components, 'null')::text FROM campaigns "
                 "WHERE id = $1::bigint AND status = "
                 "'running' AND campaign_send_window_open(send_window, now()) "
                 "FOR UPDATE SKIP LOCKED",
                 1, params, &res, err, errlen) != PGX_OK)
        return NULL;
    if (PQntuples(res) == 1)
        return res;
    PQclear(res);
    return NULL;
}

static long long queued_count(PGconn *conn, const char *id, char *err, size_t errlen)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    if (pgx_exec(conn,
                 "SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1::bigint AND "
                 "state = 'queued' AND NOT claim_open",
                 1, params, &res, err, errlen) != PGX_OK)
        return -1;
    long long n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

/* room < 0: no messaging limit; else how many people not contacted in 24 h it may take. */
static PGresult *queue_next(PGconn *conn, const char *id, long long budget, long long room,
                            PGresult *campaign, char *err, size_t errlen)
{
    char limit[32], people[32];
    snprintf(limit, sizeof(limit), "%lld", budget);
    snprintf(people, sizeof(people), "%lld", room);
    /* the header and buttons every job of the campaign names (template_components.h) */
    json_t *stored = json_loads(PQgetvalue(campaign, 0, 4), JSON_DECODE_ANY, NULL);
    json_t *job_form = stored ? template_components_job(stored) : NULL;
    char *components = job_form ? json_dumps(job_form, JSON_COMPACT) : NULL;
    json_decref(stored);
    json_decref(job_form);
    if (!components) {
        snprintf(err, errlen, "campaign %s: stored template_components is not JSON", id);
        return NULL;
    }
    const char *params[] = {id,
                            limit,
                            PQgetvalue(campaign, 0, 1),
                            PQgetvalue(campaign, 0, 2),
                            PQgetvalue(campaign, 0, 3),
                            PQgetisnull(campaign, 0, 0) ? NULL : PQgetvalue(campaign, 0, 0),
                            components,
                            people};
    PGresult *res = NULL;
    enum pgx_outcome o =
        room < 0 ? pgx_exec(conn, EMISSION_QUEUE_NEXT_SQL, 7, params, &res, err, errlen)
                 : pgx_exec(conn, EMISSION_QUEUE_NEXT_LIMITED_SQL, 8, params, &res, err, errlen);
    free(components);
    return o == PGX_OK ? res : NULL;
}

/* Plans the campaign's next step (emission_schedule.h) from what this one saw. */
static void plan_next(struct segmenter *s, const char *id, long long queued, long long emitted,
                      int64_t window, int64_t threshold, int pending_left)
{
    emission_schedule_stepped(&s->emit_plan, strtoll(id, NULL, 10), s->api->now_ms(), queued,
                              emitted, window, threshold, pending_left);
}

/* One emission step for one campaign, in its own short transaction. It emits only once a
 * quarter of the window (at most a batch) is free, so a step is one count per top-up rather
 * than a count every tick. */
static void emit_campaign(struct segmenter *s, PGconn *conn, const char *id)
{
    char err[512] = "";
    if (pgx_cmd(conn, "BEGIN", err, sizeof(err)) != PGX_OK)
        return;
    PGresult *campaign = lock_running(conn, id, err, sizeof(err));
    long long queued = campaign ? queued_count(conn, id, err, sizeof(err)) : -1;
    double rate = campaign && !PQgetisnull(campaign, 0, 0) ? atof(PQgetvalue(campaign, 0, 0)) : 0;
    long long budget = queued >= 0 ? emission_budget(&s->emission, rate, queued) : 0;
    int64_t window = emission_window(&s->emission, rate);
    int64_t threshold = emission_threshold(window, s->emission.batch_max);
    if (queued >= 0 && budget < threshold) {
        PQclear(campaign);
        pgx_rollback(conn);
        plan_next(s, id, queued, 0, window, threshold, 1);
        return;
    }
    long long room = -1;
    if (budget > 0 && messaging_limit_room(s, conn, &room, err, sizeof(err)) != 0)
        budget = 0;
    PGresult *rows =
        budget > 0 ? queue_next(conn, id, budget, room, campaign, err, sizeof(err)) : NULL;
    PQclear(campaign);
    int commit_failed = rows && pgx_cmd(conn, "COMMIT", err, sizeof(err)) != PGX_OK;
    if (!rows || commit_failed) {
        pgx_rollback(conn);
        /* A COMMIT cut off by a lost connection may have committed: its rows would sit
         * `queued` with no job until requeue_stale_seconds. Recover as after a restart. */
        if (commit_failed)
            s->recovered = 0;
        if (err[0])
            s->api->log(s->host, HERALD_LOG_WARN, "campaign %s: emission step failed: %s", id, err);
        PQclear(rows);
        return;
    }
    int produced = produce_rows(s, id, rows);
    if (produced < PQntuples(rows)) {
        s->api->log(s->host, HERALD_LOG_WARN,
                    "campaign %s: producer refused job %d of %d; the rest go back to pending", id,
                    produced + 1, PQntuples(rows));
        revert_unproduced(s, id, rows, produced);
    }
    plan_next(s, id, queued, produced, window, threshold, PQntuples(rows) == budget);
    s->api->gauge_set(s->inflight_gauge, (double)s->inflight);
    PQclear(rows);
}

/* One statement per tick finds the running campaigns with pending recipients; only those whose
 * planned time has come pay for a locked emission step (which counts the window). With full
 * windows - the steady state while dispatchers work - a tick is this one query. */
static const char RUNNING_SQL[] =
    "SELECT c.id FROM campaigns c WHERE c.status = 'running' AND "
    "campaign_send_window_open(c.send_window, now()) AND EXISTS (SELECT 1 FROM "
    "campaign_recipients r WHERE r.campaign_id = c.id AND r.state = 'pending' AND NOT "
    "r.claim_open) ORDER BY c.id";

void job_emitter_tick(struct segmenter *s)
{
    PGconn *conn = s->api->pg_main(s->host);
    if (!conn)
        return;
    PGresult *res = NULL;
    char err[256];
    if (pgx_exec(conn, RUNNING_SQL, 0, NULL, &res, err, sizeof(err)) != PGX_OK)
        return;
    int n = PQntuples(res);
    /* start at a rotating offset so that, past max_campaigns_per_tick, every campaign gets
     * its turn */
    int rotate = n ? s->emit_rotate % n : 0;
    int limit = s->max_campaigns_per_tick > 0 && n > s->max_campaigns_per_tick
                    ? (int)s->max_campaigns_per_tick
                    : n;
    int64_t now_ms = s->api->now_ms();
    for (int k = 0; k < limit; k++) {
        const char *id = PQgetvalue(res, (rotate + k) % n, 0);
        if (emission_schedule_due(&s->emit_plan, strtoll(id, NULL, 10), now_ms) != 0)
            emit_campaign(s, conn, id);
    }
    emission_schedule_prune(&s->emit_plan);
    s->emit_rotate = n ? (rotate + limit) % n : 0;
    PQclear(res);
}

/* The queued rows of running campaigns, and a condition that narrows them, go back to pending
 * (the emission takes them again; a duplicate job is harmless, the claim is idempotent). */
#define QUEUED_BACK_TO_PENDING                                                                     \
    "UPDATE campaign_recipients r SET state = 'pending', updated_at = now() FROM campaigns c "     \
    "WHERE c.id = r.campaign_id AND c.status = 'running' AND r.state = 'queued' AND NOT "          \
    "r.claim_open"

#define OUTSIDE_SEND_WINDOW                                                                        \
    " AND c.send_window IS NOT NULL AND NOT campaign_send_window_open(c.send_window, now())"

/* Runs one QUEUED_BACK_TO_PENDING statement; the rows it moved, or -1 when the database did
 * not answer. */
static long long back_to_pending(struct segmenter *s, const char *sql, int nparams,
                                 const char *const *params)
{
    PGconn *conn = s->api->pg_main(s->host);
    char err[256];
    PGresult *res = NULL;
    if (!conn || pgx_exec(conn, sql, nparams, params, &res, err, sizeof(err)) != PGX_OK)
        return -1;
    long long n = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    if (n > 0)
        emission_schedule_wake_all(&s->emit_plan);
    return n;
}

int job_emitter_recover(struct segmenter *s)
{
    long long n = back_to_pending(s, QUEUED_BACK_TO_PENDING, 0, NULL);
    if (n < 0)
        return -1;
    emission_schedule_wake_all(&s->emit_plan);
    if (n > 0)
        s->api->log(s->host, HERALD_LOG_INFO,
                    "re-emitting %lld recipients left queued (start-up, or an emission cut off "
                    "by a database outage)",
                    n);
    return 0;
}

/* When a send window closes, up to one emission window of jobs is still in Kafka or held by
 * dispatchers, which stop sending within their campaign refresh (200 ms) and leave those rows
 * queued. Queued rows hold the campaign's emission window and are never emitted again by
 * themselves, so they go back to pending here and out, in recipient order, when it opens. A
 * dispatcher that claims one just before it sees the closing sends it once as usual: the claim
 * takes pending rows too, and the emission after the opening takes only pending ones. */
void job_emitter_release_closed(struct segmenter *s)
{
    long long n = back_to_pending(s, QUEUED_BACK_TO_PENDING OUTSIDE_SEND_WINDOW, 0, NULL);
    if (n > 0)
        s->api->log(s->host, HERALD_LOG_INFO,
                    "send window closed: %lld recipients queued but not sent go back to pending "
                    "and out when it opens",
                    n);
}

/* A job can vanish without a claim: a dispatcher that drops it for its own reasons, a topic
 * whose data was lost. Its row would hold a slot of the window forever and the campaign
 * would never complete, so rows queued for too long are emitted again (the claim makes a
 * late duplicate harmless). */
void job_emitter_requeue_stale(struct segmenter *s)
{
    char secs[32];
    snprintf(secs, sizeof(secs), "%lld", (long long)s->requeue_stale_seconds);
    const char *params[] = {secs};
    long long n = back_to_pending(
        s, QUEUED_BACK_TO_PENDING " AND r.updated_at < now() - make_interval(secs => $1::integer)",
        1, params);
    if (n > 0)
        s->api->log(s->host, HERALD_LOG_WARN,
                    "%lld recipients were queued for more than %lld s without being claimed; "
                    "emitting them again",
                    n, (long long)s->requeue_stale_seconds);
}
