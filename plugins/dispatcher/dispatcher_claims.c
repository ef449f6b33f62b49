/*
 * dispatcher_claims.c - every PostgreSQL write of the dispatcher: the claim before a request
 * goes out, the resolution after, and the crash policy for rows that cannot be claimed.
 *
 * Why batches of one statement each: at thousands of sends per second a round trip per
 * recipient would be the bottleneck; arrays bound as single parameters (unnest) keep every
 * statement parameterised and every row's update atomic. The claim checks, in the same
 * statement, that the campaign is `running` and the recipient `pending`/`queued`, so a pause
 * committed by the segmenter stops every later claim at once, and two instances can never
 * both claim one recipient.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher_claim_policy.h"
#include "dispatcher_internal.h"
#include "dispatcher_pg_array.h"
#include "dispatcher_pg_worker.h"

/* A claimed row ("sending" to its readers, migration 080): the claim sets claim_open and leaves
 * `state` alone, so that PostgreSQL can write it as a HOT update (no index entry). */
#define R_CLAIMED "r.claim_open AND r.state IN ('pending', 'queued')"

/* The claim refuses what the lookup reports as opted out: one condition for both, since the
 * policy retries a refused row whose contact is NOT opted out (migration 056's index). */
#define CONTACT_OPTED_OUT                                                                          \
    "EXISTS (SELECT 1 FROM contacts ct WHERE ct.phone = r.phone AND ct.opted_out)"

/* clang-format off */
static const char *const CLAIM_SQL =
    "UPDATE campaign_recipients r SET claim_open = true, claimed_at = now(), claimed_by = $3, "
    "first_claimed_at = COALESCE(r.first_claimed_at, now()), attempts = r.attempts + 1, "
    "updated_at = now() "
    "FROM campaigns c, unnest($1::bigint[], $2::bigint[]) AS j(cid, rid) "
    "WHERE r.campaign_id = j.cid AND r.recipient_id = j.rid AND c.id = r.campaign_id "
    "AND c.status = 'running' AND r.state IN ('pending', 'queued') AND NOT r.claim_open "
    "AND NOT " CONTACT_OPTED_OUT " "
    "RETURNING r.campaign_id, r.recipient_id, r.attempts";

static const char *const LOOKUP_SQL =
    "SELECT r.campaign_id, r.recipient_id, campaign_recipient_state(r.state, r.claim_open), "
    "r.claimed_by, "
    "COALESCE((extract(epoch FROM now() - r.claimed_at) * 1000)::bigint, -1), "
    "COALESCE(r.wamid, ''), r.attempts, "
    "COALESCE((extract(epoch FROM r.accepted_at) * 1000)::bigint, 0), "
    "COALESCE(r.error_code, 0), COALESCE(r.error_title, ''), c.status = 'running', "
    CONTACT_OPTED_OUT ", NOT campaign_send_window_open(c.send_window, now()) "
    "FROM unnest($1::bigint[], $2::bigint[]) AS j(cid, rid) "
    "JOIN campaign_recipients r ON r.campaign_id = j.cid AND r.recipient_id = j.rid "
    "JOIN campaigns c ON c.id = r.campaign_id";
/* clang-format on */

/* An uncertain row claimed again is queued and claimed, like any claimed row. */
static const char *const TAKEOVER_SQL =
    "UPDATE campaign_recipients r SET state = CASE r.state WHEN 'uncertain' THEN 'queued' "
    "ELSE r.state END, claim_open = true, claimed_at = now(), claimed_by = $3, "
    "first_claimed_at = COALESCE(r.first_claimed_at, now()), attempts = r.attempts + 1, "
    "updated_at = now() FROM campaigns c "
    "WHERE r.campaign_id = $1 AND r.recipient_id = $2 AND c.id = r.campaign_id "
    "AND c.status = 'running' AND (" R_CLAIMED " OR r.state = 'uncertain') "
    "AND r.claimed_by IS NOT DISTINCT FROM $4 RETURNING r.attempts";

static const char *const LEFTOVER_SQL =
    "UPDATE campaign_recipients r SET state = 'uncertain', claim_open = false, error_title = $4, "
    "updated_at = now() WHERE r.campaign_id = $1 AND r.recipient_id = $2 AND " R_CLAIMED " "
    "AND r.claimed_by IS NOT DISTINCT FROM $3";

/* Our own orphaned claim (its COMMIT's answer was lost) in a campaign that is not running:
 * back to queued, so a resume emits it again like any queued recipient. Nothing was sent under
 * that claim, so its time is no send time (first_claimed_at, see migration 054). */
static const char *const RELEASE_OWN_SQL =
    "UPDATE campaign_recipients r SET state = 'queued', claim_open = false, "
    "first_claimed_at = NULL, updated_at = now() WHERE r.campaign_id = $1 "
    "AND r.recipient_id = $2 AND " R_CLAIMED " AND r.claimed_by = $3";

static const char *const ACCEPTED_SQL =
    "UPDATE campaign_recipients r SET state = 'accepted', claim_open = false, wamid = j.w, "
    "accepted_at = now(), error_code = NULL, error_title = NULL, updated_at = now() "
    "FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS j(cid, rid, w) "
    "WHERE r.campaign_id = j.cid AND r.recipient_id = j.rid "
    "AND (" R_CLAIMED " OR r.state = 'uncertain')";

static const char *const FAILED_SQL =
    "UPDATE campaign_recipients r SET state = 'failed', claim_open = false, error_code = j.code, "
    "error_title = j.title, updated_at = now() "
    "FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[]) AS j(cid, rid, code, title) "
    "WHERE r.campaign_id = j.cid AND r.recipient_id = j.rid "
    "AND (" R_CLAIMED " OR r.state = 'uncertain')";

static const char *const UNCERTAIN_SQL =
    "UPDATE campaign_recipients r SET state = 'uncertain', claim_open = false, "
    "error_code = NULLIF(j.code, 0), error_title = j.title, updated_at = now() "
    "FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[]) AS j(cid, rid, code, title) "
    "WHERE r.campaign_id = j.cid AND r.recipient_id = j.rid AND " R_CLAIMED " "
    "AND r.claimed_by = $5";

static const char *const RELEASE_SQL =
    "UPDATE campaign_recipients r SET state = 'queued', claim_open = false, "
    "attempts = GREATEST(r.attempts - j.refund, 0), updated_at = now() "
    "FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS j(cid, rid, refund) "
    "WHERE r.campaign_id = j.cid AND r.recipient_id = j.rid AND " R_CLAIMED " "
    "AND r.claimed_by = $4";

/* A recipient whose contact opted out after the snapshot (a STOP reply, herald-ctl contacts
 * opt-out): never claimed, settled as failed with Meta's code for "stopped marketing
 * messages" and a title that says Herald did not send it. */
static const char *const OPTED_OUT_SQL =
    "UPDATE campaign_recipients SET state = 'failed', claim_open = false, error_code = $3::int, "
    "error_title = $4, updated_at = now() WHERE campaign_id = $1 AND recipient_id = $2 "
    "AND state IN ('pending', 'queued') AND NOT claim_open RETURNING attempts";
#define OPTED_OUT_CODE  131050
#define OPTED_OUT_TITLE "not sent: the contact opted out after the audience snapshot"

static const char *const STOP_CAMPAIGN_SQL =
    "UPDATE campaigns SET status = 'failed', status_reason = $2, failed_at = now(), "
    "updated_at = now() WHERE id = $1 AND status IN ('scheduled', 'running', 'paused')";

/* A resume (the segmenter's) emits the campaign's queued recipients again; so does Meta's
 * approval of the template again (template_paused_at, migrations/019). */
static const char *const PAUSE_CAMPAIGN_SQL =
    "UPDATE campaigns SET status = 'paused', status_reason = $2, paused_at = now(), "
    "template_paused_at = now(), updated_at = now() WHERE id = $1 AND status = 'running'";

static const char *const CONTACT_OPT_OUT_SQL =
    "UPDATE contacts SET opted_out = true, opted_out_at = COALESCE(opted_out_at, now()), "
    "updated_at = now() WHERE phone = $1 AND NOT opted_out";

/* ---- helpers ------------------------------------------------------------------------- */

struct id_arrays {
    struct text_buffer cids, rids;
};

static void ids_begin(struct id_arrays *a)
{
    disp_array_begin(&a->cids);
    disp_array_begin(&a->rids);
}

static void ids_add(struct id_arrays *a, const struct disp_entry *e)
{
    disp_array_add_int(&a->cids, e->job.campaign_id);
    disp_array_add_int(&a->rids, e->job.recipient_id);
}

static void ids_free(struct id_arrays *a)
{
    text_buffer_free(&a->cids);
    text_buffer_free(&a->rids);
}

static PGresult *exec(struct disp_ctx *c, const char *sql, int n, const char *const *params)
{
    for (int i = 0; i < n; i++)
        if (!params[i])
            return NULL; /* an array literal ran out of memory */
    PGresult *r = c->api->pg_exec(c->host, sql, n, params);
    if (!r)
        c->api->counter_add(c->m.pg_errors, 1);
    return r;
}

static int64_t col_i64(PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* ---- claim ----------------------------------------------------------------------------- */

static void claimed(struct disp_ctx *c, struct disp_entry *e, int attempts)
{
    e->attempts = attempts;
    disp_ready(c, e);
}

static void give_up(struct disp_ctx *c, struct disp_entry *e, herald_status st, const char *reason)
{
    disp_refund_tokens(c, e);
    disp_complete(c, e, st, reason);
}

/* The row's key as the two text parameters every single-row statement takes. */
struct row_key {
    char cid[24], rid[24];
};

static struct row_key row_key_of(const struct disp_entry *e)
{
    struct row_key k;
    snprintf(k.cid, sizeof(k.cid), "%lld", (long long)e->job.campaign_id);
    snprintf(k.rid, sizeof(k.rid), "%lld", (long long)e->job.recipient_id);
    return k;
}

static void mark_leftover(struct disp_ctx *c, struct disp_entry *e, const char *claimed_by)
{
    struct row_key k = row_key_of(e);
    char title[256];
    snprintf(title, sizeof(title), "in flight when %s stopped; outcome unknown, not resent",
             claimed_by ? claimed_by : "an unknown instance");
    const char *p[4] = {k.cid, k.rid, claimed_by, title};
    PGresult *r = exec(c, LEFTOVER_SQL, 4, p);
    if (!r) {
        give_up(c, e, HERALD_RETRY, "database unavailable");
        return;
    }
    PQclear(r);
    c->api->counter_add(c->m.uncertain, 1);
    c->api->log(c->host, HERALD_LOG_WARN,
                "campaign %lld recipient %lld: claim left by %s; marked uncertain, not resent",
                (long long)e->job.campaign_id, (long long)e->job.recipient_id,
                claimed_by ? claimed_by : "?");
    give_up(c, e, HERALD_OK, NULL);
}

static void take_over(struct disp_ctx *c, struct disp_entry *e, const char *claimed_by,
                      const char *why)
{
    struct row_key k = row_key_of(e);
    const char *p[4] = {k.cid, k.rid, c->claimer, claimed_by};
    PGresult *r = exec(c, TAKEOVER_SQL, 4, p);
    if (r && PQntuples(r) == 1) {
        int attempts = (int)col_i64(r, 0, 0);
        PQclear(r);
        c->api->log(c->host, HERALD_LOG_WARN,
                    "campaign %lld recipient %lld: taking over a claim left by %s (%s)",
                    (long long)e->job.campaign_id, (long long)e->job.recipient_id,
                    claimed_by ? claimed_by : "?", why);
        claimed(c, e, attempts);
        return;
    }
    if (r)
        PQclear(r);
    give_up(c, e, HERALD_RETRY, "claim changed under us");
}

static void release_own(struct disp_ctx *c, struct disp_entry *e)
{
    struct row_key k = row_key_of(e);
    const char *p[3] = {k.cid, k.rid, c->claimer};
    PGresult *r = exec(c, RELEASE_OWN_SQL, 3, p);
    if (!r) {
        give_up(c, e, HERALD_RETRY, "database unavailable");
        return;
    }
    PQclear(r);
    give_up(c, e, HERALD_OK, NULL);
}

static void fail_opted_out(struct disp_ctx *c, struct disp_entry *e)
{
    struct row_key k = row_key_of(e);
    char code[16];
    snprintf(code, sizeof(code), "%d", OPTED_OUT_CODE);
    const char *p[4] = {k.cid, k.rid, code, OPTED_OUT_TITLE};
    PGresult *r = exec(c, OPTED_OUT_SQL, 4, p);
    if (!r || PQntuples(r) != 1) { /* database down, or the row moved on: decide again */
        give_up(c, e, HERALD_RETRY, r ? "recipient changed under us" : "database unavailable");
        if (r)
            PQclear(r);
        return;
    }
    int attempts = (int)col_i64(r, 0, 0);
    PQclear(r);
    c->api->counter_add(c->m.opted_out, 1);
    c->api->counter_add(c->m.failed, 1);
    int rc = disp_produce_failed(c, e, OPTED_OUT_CODE, OPTED_OUT_TITLE, disp_wall_ms(), attempts);
    give_up(c, e, rc == 0 ? HERALD_OK : HERALD_RETRY, "produce failed");
}

static void reproduce(struct disp_ctx *c, struct disp_entry *e, PGresult *r, int i, int accepted)
{
    int attempts = (int)col_i64(r, i, 6);
    int rc = accepted ? disp_produce_accepted(c, e, PQgetvalue(r, i, 5), col_i64(r, i, 7), attempts)
                      : disp_produce_failed(c, e, (int)col_i64(r, i, 8), PQgetvalue(r, i, 9),
                                            disp_wall_ms(), attempts);
    c->api->counter_add(c->m.reproduced, 1);
    give_up(c, e, rc == 0 ? HERALD_OK : HERALD_RETRY, "produce failed");
}

static void decide_row(struct disp_ctx *c, struct disp_entry *e, PGresult *r, int i)
{
    const char *by = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3);
    struct disp_claim_row row = {1,
                                 PQgetvalue(r, i, 2),
                                 by,
                                 col_i64(r, i, 4),
                                 strcmp(PQgetvalue(r, i, 10), "t") == 0,
                                 strcmp(PQgetvalue(r, i, 11), "t") == 0,
                                 strcmp(PQgetvalue(r, i, 12), "t") == 0};
    struct disp_claim_self self = {c->api->stage_name(c->host), c->claimer, c->stale_claim_ms,
                                   c->resend_uncertain};
    switch (disp_claim_decide(&row, &self)) {
    case DISP_CLAIM_REPRODUCE_ACCEPTED:
        reproduce(c, e, r, i, 1);
        break;
    case DISP_CLAIM_REPRODUCE_FAILED:
        reproduce(c, e, r, i, 0);
        break;
    case DISP_CLAIM_MARK_UNCERTAIN:
        mark_leftover(c, e, by);
        break;
    case DISP_CLAIM_RESEND:
        take_over(c, e, by, "resend_uncertain");
        break;
    case DISP_CLAIM_RECLAIM_OWN:
        if (row.campaign_running && !row.outside_send_window)
            take_over(c, e, by, "our claim's commit answer was lost; it was never sent");
        else
            release_own(c, e);
        break;
    case DISP_CLAIM_WAIT:
        c->api->counter_add(c->m.claim_waits, 1);
        give_up(c, e, HERALD_RETRY, "claimed by a live instance");
        break;
    case DISP_CLAIM_OPTED_OUT:
        fail_opted_out(c, e);
        break;
    case DISP_CLAIM_RETRY:
        give_up(c, e, HERALD_RETRY, "claimable again");
        break;
    case DISP_CLAIM_NOT_FOUND:
        give_up(c, e, HERALD_ERROR, "recipient not found in campaign_recipients");
        break;
    case DISP_CLAIM_SKIP:
        c->api->counter_add(c->m.skipped_not_running, 1);
        give_up(c, e, HERALD_OK, NULL);
        break;
    }
}

/* Entries of `batch` still CLAIMING were refused: look their rows up and apply the policy. */
static void resolve_misses(struct disp_ctx *c, struct disp_entry *batch)
{
    struct id_arrays a = {0};
    int n = 0;
    ids_begin(&a);
    for (struct disp_entry *e = batch; e; e = e->next)
        if (e->st == DISP_ST_CLAIMING) {
            ids_add(&a, e);
            n++;
        }
    PGresult *r = NULL;
    if (n > 0) {
        const char *p[2] = {disp_array_end(&a.cids), disp_array_end(&a.rids)};
        r = exec(c, LOOKUP_SQL, 2, p);
    }
    ids_free(&a);
    for (struct disp_entry *e = batch, *next; e; e = next) {
        next = e->next;
        if (e->st != DISP_ST_CLAIMING)
            continue;
        e->next = NULL;
        if (!r) {
            give_up(c, e, HERALD_RETRY, "database unavailable");
            continue;
        }
        int row = -1;
        for (int i = 0; i < PQntuples(r) && row < 0; i++)
            if (col_i64(r, i, 0) == e->job.campaign_id && col_i64(r, i, 1) == e->job.recipient_id)
                row = i;
        if (row < 0)
            give_up(c, e, HERALD_ERROR, "recipient not found in campaign_recipients");
        else
            decide_row(c, e, r, row);
    }
    if (r)
        PQclear(r);
}

/*
 * A job whose campaign is not running is completed unsent, but its row is looked at first,
 * through the same policy as a refused claim: a `sending` row left by a crash (or by a lost
 * COMMIT answer) would otherwise never be resolved, because a resume re-emits only pending
 * and queued recipients, and the campaign could never complete. One lookup per batch.
 */
void disp_claims_inspect(struct disp_ctx *c, struct disp_entry *e)
{
    e->st = DISP_ST_CLAIMING;
    c->n_claiming++;
    e->num->ahead++;
    e->next = c->to_inspect;
    c->to_inspect = e;
}

void disp_claims_inspect_flush(struct disp_ctx *c)
{
    struct disp_entry *batch = c->to_inspect;
    c->to_inspect = NULL;
    if (batch)
        resolve_misses(c, batch);
}

static char *own(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void give_up_all(struct disp_ctx *c, struct disp_entry *batch, const char *reason)
{
    for (struct disp_entry *e = batch, *next; e; e = next) {
        next = e->next;
        e->next = NULL;
        give_up(c, e, HERALD_RETRY, reason);
    }
}

/* Completion of a claim batch (main thread, after its commit): start the claimed ones, look
 * the others up. */
static void on_claimed(void *user, void *arg, PGresult *r)
{
    struct disp_ctx *c = user;
    struct disp_entry *batch = arg;
    if (!r) {
        c->api->counter_add(c->m.pg_errors, 1);
        give_up_all(c, batch, "database unavailable");
        return;
    }
    /* first collect the claimed ones, then start them: starting moves them off `batch` */
    for (int i = 0; i < PQntuples(r); i++) {
        struct disp_entry *e = disp_held_find(c, col_i64(r, i, 0), col_i64(r, i, 1));
        if (e && e->st == DISP_ST_CLAIMING) {
            e->st = DISP_ST_IN_FLIGHT; /* provisional, until detached below */
            e->attempts = (int)col_i64(r, i, 2);
        }
    }
    struct disp_entry *misses = NULL, **tail = &misses;
    for (struct disp_entry *e = batch, *next; e; e = next) {
        next = e->next;
        e->next = NULL;
        if (e->st == DISP_ST_IN_FLIGHT) {
            claimed(c, e, e->attempts);
        } else {
            *tail = e;
            tail = &e->next;
        }
    }
    if (misses)
        resolve_misses(c, misses);
}

static void claim_batch(struct disp_ctx *c, struct disp_entry *batch)
{
    struct id_arrays a = {0};
    ids_begin(&a);
    for (struct disp_entry *e = batch; e; e = e->next)
        ids_add(&a, e);
    char *p[3] = {own(disp_array_end(&a.cids)), own(disp_array_end(&a.rids)), own(c->claimer)};
    ids_free(&a);
    if (disp_pg_submit(c->pg, CLAIM_SQL, 3, p, on_claimed, batch) != 0)
        give_up_all(c, batch, "out of memory");
}

/* Detaches the first `max` entries (at least one) of a non-empty *list and returns them. */
static struct disp_entry *take_batch(struct disp_entry **list, int64_t max)
{
    struct disp_entry *batch = *list, *e = batch;
    for (int64_t n = 1; n < max && e->next; n++)
        e = e->next;
    *list = e->next;
    e->next = NULL;
    return batch;
}

void disp_claims_run(struct disp_ctx *c, int64_t now_ms)
{
    (void)now_ms;
    c->n_to_claim = 0;
    while (c->to_claim)
        claim_batch(c, take_batch(&c->to_claim, c->claim_batch));
}

/* ---- resolution ----------------------------------------------------------------------- */

static void requeue(struct disp_ctx *c, struct disp_entry *list)
{
    while (list) {
        struct disp_entry *next = list->next;
        list->next = c->to_resolve;
        c->to_resolve = list;
        c->n_to_resolve++;
        list = next;
    }
}

static void after_accepted(struct disp_ctx *c, struct disp_entry *e)
{
    int rc = disp_produce_accepted(c, e, e->wamid, e->ts_ms, e->attempts);
    c->api->counter_add(c->m.sent, 1);
    disp_complete(c, e, rc == 0 ? HERALD_OK : HERALD_RETRY, "produce failed");
}

static void after_failed(struct disp_ctx *c, struct disp_entry *e)
{
    int rc = disp_produce_failed(c, e, e->err_code, e->err_title, e->ts_ms, e->attempts);
    c->api->counter_add(c->m.failed, 1);
    disp_complete(c, e, rc == 0 ? HERALD_OK : HERALD_RETRY, "produce failed");
}

static void after_uncertain(struct disp_ctx *c, struct disp_entry *e)
{
    c->api->counter_add(c->m.uncertain, 1);
    disp_complete(c, e, HERALD_OK, NULL);
}

static void after_release(struct disp_ctx *c, struct disp_entry *e)
{
    if (e->hold) {
        disp_lane_push(c, e, 1);
        return;
    }
    e->st = DISP_ST_DELAYED;
    if (disp_delay_push(&c->delayed, e->retry_due_ms, e) != 0)
        disp_complete(c, e, HERALD_RETRY, "out of memory");
}

static void (*const after[4])(struct disp_ctx *, struct disp_entry *) = {
    after_accepted, after_failed, after_uncertain, after_release};

/* Completion of one resolution batch (main thread, after its commit). */
static void on_resolved(void *user, void *arg, PGresult *r)
{
    struct disp_ctx *c = user;
    struct disp_entry *list = arg;
    if (!r) {
        c->api->counter_add(c->m.pg_errors, 1);
        requeue(c, list); /* sent already: keep the outcome until the database is back */
        return;
    }
    int kind = list->res;
    for (struct disp_entry *e = list, *next; e; e = next) {
        next = e->next;
        e->next = NULL;
        c->n_resolving--;
        after[kind](c, e);
    }
}

static void submit_kind(struct disp_ctx *c, int kind, struct disp_entry *list)
{
    struct id_arrays a = {0};
    struct text_buffer x = {0}, y = {0};
    ids_begin(&a);
    disp_array_begin(&x);
    disp_array_begin(&y);
    for (struct disp_entry *e = list; e; e = e->next) {
        ids_add(&a, e);
        if (kind == DISP_RES_ACCEPTED)
            disp_array_add_text(&x, e->wamid);
        else if (kind == DISP_RES_RELEASE)
            disp_array_add_int(&x, e->refund_attempt);
        else {
            disp_array_add_int(&x, e->err_code);
            disp_array_add_text(&y, e->err_title);
        }
    }
    char *p[5] = {own(disp_array_end(&a.cids)), own(disp_array_end(&a.rids)),
                  own(disp_array_end(&x)), NULL, NULL};
    const char *sql = NULL;
    int n = 0;
    if (kind == DISP_RES_ACCEPTED) {
        sql = ACCEPTED_SQL;
        n = 3;
    } else if (kind == DISP_RES_FAILED) {
        sql = FAILED_SQL;
        n = 4;
        p[3] = own(disp_array_end(&y));
    } else if (kind == DISP_RES_UNCERTAIN) {
        sql = UNCERTAIN_SQL;
        n = 5;
        p[3] = own(disp_array_end(&y));
        p[4] = own(c->claimer);
    } else {
        sql = RELEASE_SQL;
        n = 4;
        p[3] = own(c->claimer);
    }
    ids_free(&a);
    text_buffer_free(&x);
    text_buffer_free(&y);
    if (disp_pg_submit(c->pg, sql, n, p, on_resolved, list) != 0)
        requeue(c, list);
}

int disp_resolve_flush(struct disp_ctx *c)
{
    struct disp_entry *of[4] = {0}; /* by enum disp_resolution */
    int submitted = 0;
    c->n_to_resolve = 0;
    while (c->to_resolve) {
        struct disp_entry *e = c->to_resolve;
        c->to_resolve = e->next;
        e->next = of[e->res];
        of[e->res] = e;
    }
    /* at most claim_batch rows per statement, like the claims: a pile-up after a stall must
     * not grow one statement past the size where the planner prefers scanning the table */
    for (int k = 0; k < 4; k++) {
        while (of[k]) {
            submit_kind(c, k, take_batch(&of[k], c->claim_batch));
            submitted++;
        }
    }
    return submitted;
}

int disp_campaign_stop(struct disp_ctx *c, int64_t campaign_id, const char *reason, int pause)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)campaign_id);
    const char *p[2] = {id, reason};
    PGresult *r = exec(c, pause ? PAUSE_CAMPAIGN_SQL : STOP_CAMPAIGN_SQL, 2, p);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

void disp_contact_opt_out(struct disp_ctx *c, const char *phone)
{
    const char *p[1] = {phone};
    PGresult *r = exec(c, CONTACT_OPT_OUT_SQL, 1, p);
    if (r)
        PQclear(r);
}
