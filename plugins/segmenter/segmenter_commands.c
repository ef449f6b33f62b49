/*
 * segmenter_commands.c - applies one `campaign-commands` message.
 *
 * Why it is built this way: at-least-once delivery means the same command can arrive twice,
 * and a producer must be able to learn what happened to its command. So each command runs in
 * one transaction that first claims its command_results row (INSERT ... ON CONFLICT DO
 * NOTHING: a second delivery finds the row and changes nothing), then applies the command
 * under a savepoint. A rejection (bad JSON, unknown type or campaign, illegal transition, bad
 * fields) rolls back to the savepoint and records the reason; the message is completed with
 * HERALD_OK, so it never blocks the partition. Only a database outage answers HERALD_RETRY.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_definition.h"
#include "campaign_lifecycle.h"
#include "command_parse.h"
#include "messaging_limit.h"
#include "segmenter.h"
#include "segmenter_pg.h"
#include "template_status.h"
#include "waba_number.h"

#define PAYLOAD_RECORD_MAX 65536

enum apply_result { APPLIED, REJECTED, TRANSIENT };

struct apply {
    struct segmenter *s;
    PGconn *conn;
    const struct campaign_command *cmd;
    char id[32]; /* campaign id as text */
    char reason[512];
};

static enum apply_result from_pgx(enum pgx_outcome o)
{
    return o == PGX_OK ? APPLIED : o == PGX_DATA ? REJECTED : TRANSIENT;
}

static enum apply_result reject(struct apply *a, const char *fmt, const char *arg)
{
    snprintf(a->reason, sizeof(a->reason), fmt, arg);
    return REJECTED;
}

/* Locks the campaign row and reads its status; REJECTED when it does not exist. */
static enum apply_result lock_campaign(struct apply *a, enum campaign_status *status)
{
    const char *params[] = {a->id};
    PGresult *res = NULL;
    enum pgx_outcome o =
        pgx_exec(a->conn, "SELECT status FROM campaigns WHERE id = $1::bigint FOR UPDATE", 1,
                 params, &res, a->reason, sizeof(a->reason));
    if (o != PGX_OK)
        return from_pgx(o);
    int rows = PQntuples(res);
    int st = rows ? campaign_status_parse(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    if (!rows)
        return reject(a, "unknown campaign %s", a->id);
    if (st < 0)
        return reject(a, "campaign %s has an unknown status", a->id);
    *status = (enum campaign_status)st;
    return APPLIED;
}

static enum apply_result check_transition(struct apply *a, struct lifecycle_step *step)
{
    enum campaign_status status;
    enum apply_result r = lock_campaign(a, &status);
    if (r != APPLIED)
        return r;
    if (lifecycle_step(a->cmd->type, status, step, a->reason, sizeof(a->reason)) != 0)
        return REJECTED;
    return APPLIED;
}

/* The window's time zone must be one PostgreSQL knows (its tz database, not ours to copy):
 * evaluating the window once raises 22023 for an unknown zone, a rejection naming it. */
static enum apply_result check_time_zone(struct apply *a, const struct campaign_fields *f)
{
    if (!f->window[0])
        return APPLIED;
    const char *params[] = {f->window};
    enum pgx_outcome o = pgx_exec(a->conn, "SELECT campaign_send_window_open($1::jsonb, now())", 1,
                                  params, NULL, a->reason, sizeof(a->reason));
    if (o == PGX_DATA) {
        char why[sizeof(a->reason)];
        snprintf(why, sizeof(why), "%s", a->reason);
        snprintf(a->reason, sizeof(a->reason), "send_window.time_zone: %.400s", why);
    }
    return from_pgx(o);
}

static enum apply_result apply_create(struct apply *a)
{
    struct campaign_fields f;
    if (campaign_fields_parse(a->cmd->campaign, 1, &f, a->reason, sizeof(a->reason)) != 0) {
        campaign_fields_free(&f);
        return REJECTED;
    }
    enum apply_result r = check_time_zone(a, &f);
    if (r != APPLIED) { /* TRANSIENT when the database went away: the command is retried */
        campaign_fields_free(&f);
        return r;
    }
    const char *params[] = {a->id,
                            f.name,
                            f.phone_number_id,
                            f.template_name,
                            f.template_language,
                            f.template_params ? f.template_params : "[]",
                            f.audience ? f.audience : "{}",
                            f.rate_given && f.rate[0] ? f.rate : NULL,
                            f.window[0] ? f.window : NULL,
                            f.template_components,
                            f.failure_rate[0] ? f.failure_rate : NULL};
    PGresult *res = NULL;
    enum pgx_outcome o = pgx_exec(
        a->conn,
        "INSERT INTO campaigns (id, name, phone_number_id, template_name, template_language, "
        "template_params, audience, rate_limit_per_second, send_window, template_components, "
        "max_failure_rate, status) VALUES ($1::bigint, $2, $3, $4, $5, $6::jsonb, $7::jsonb, "
        "$8::float8, $9::jsonb, nullif($10::jsonb, 'null'), $11::float8, 'draft') "
        "ON CONFLICT (id) DO NOTHING RETURNING id",
        11, params, &res, a->reason, sizeof(a->reason));
    campaign_fields_free(&f);
    if (o != PGX_OK)
        return from_pgx(o);
    int rows = PQntuples(res);
    PQclear(res);
    return rows ? APPLIED : reject(a, "campaign %s already exists", a->id);
}

static enum apply_result apply_update(struct apply *a)
{
    struct lifecycle_step step;
    enum apply_result r = check_transition(a, &step);
    if (r != APPLIED)
        return r;
    struct campaign_fields f;
    if (campaign_fields_parse(a->cmd->campaign, 0, &f, a->reason, sizeof(a->reason)) != 0) {
        campaign_fields_free(&f);
        return REJECTED;
    }
    r = check_time_zone(a, &f);
    if (r != APPLIED) {
        campaign_fields_free(&f);
        return r;
    }
    const char *params[] = {a->id,
                            f.name,
                            f.phone_number_id,
                            f.template_name,
                            f.template_language,
                            f.template_params,
                            f.audience,
                            f.rate_given ? "true" : "false",
                            f.rate[0] ? f.rate : NULL,
                            f.window_given ? "true" : "false",
                            f.window[0] ? f.window : NULL,
                            f.template_components ? f.components_given : "{}",
                            f.template_components,
                            f.failure_given ? "true" : "false",
                            f.failure_rate[0] ? f.failure_rate : NULL};
    enum pgx_outcome o = pgx_exec(
        a->conn,
        "UPDATE campaigns SET name = coalesce($2, name), phone_number_id = coalesce($3, "
        "phone_number_id), template_name = coalesce($4, template_name), template_language = "
        "coalesce($5, template_language), template_params = coalesce($6::jsonb, "
        "template_params), audience = coalesce($7::jsonb, audience), rate_limit_per_second = "
        "CASE WHEN $8::boolean THEN $9::float8 ELSE rate_limit_per_second END, send_window = "
        "CASE WHEN $10::boolean THEN $11::jsonb ELSE send_window END, template_components = "
        "CASE WHEN cardinality($12::text[]) > 0 THEN nullif((coalesce(template_components, "
        "'{}') - $12::text[]) || coalesce(nullif($13::jsonb, 'null'), '{}'), '{}') "
        "ELSE template_components END, max_failure_rate = CASE WHEN $14::boolean THEN "
        "$15::float8 ELSE max_failure_rate END, updated_at = now() WHERE id = $1::bigint",
        15, params, NULL, a->reason, sizeof(a->reason));
    campaign_fields_free(&f);
    return from_pgx(o);
}

static enum apply_result apply_schedule(struct apply *a)
{
    struct lifecycle_step step;
    enum apply_result r = check_transition(a, &step);
    if (r != APPLIED)
        return r;
    const char *params[] = {a->id, a->cmd->at};
    return from_pgx(pgx_exec(a->conn,
                             "UPDATE campaigns SET status = 'scheduled', scheduled_at = "
                             "$2::timestamptz, scheduled_set_at = now(), updated_at = now() "
                             "WHERE id = $1::bigint",
                             2, params, NULL, a->reason, sizeof(a->reason)));
}

static enum apply_result apply_start(struct apply *a)
{
    struct lifecycle_step step;
    enum apply_result r = check_transition(a, &step);
    if (r != APPLIED)
        return r;
    long long size = 0;
    int data_error = 0;
    if (campaign_start_locked(a->s, a->conn, a->id, &size, &data_error, a->reason,
                              sizeof(a->reason)) != 0)
        return data_error ? REJECTED : TRANSIENT;
    a->s->api->log(a->s->host, HERALD_LOG_INFO, "campaign %s started, audience %lld", a->id, size);
    return APPLIED;
}

/* pause, resume, cancel: a status change and its timestamp. */
static enum apply_result apply_status_change(struct apply *a)
{
    struct lifecycle_step step;
    enum apply_result r = check_transition(a, &step);
    if (r != APPLIED)
        return r;
    char sql[256];
    /* the column name comes from the constant lifecycle table, never from input */
    snprintf(sql, sizeof(sql),
             "UPDATE campaigns SET status = $2, %s = now(), status_reason = NULL, "
             "template_paused_at = NULL, updated_at = now() WHERE id = $1::bigint",
             step.timestamp_column);
    const char *params[] = {a->id, campaign_status_name(step.to)};
    r = from_pgx(pgx_exec(a->conn, sql, 2, params, NULL, a->reason, sizeof(a->reason)));
    if (r != APPLIED || a->cmd->type != CMD_RESUME)
        return r;
    /* Resume restarts the emission cursor: queued jobs may have been skipped by dispatchers
     * while paused, so every unsent recipient goes back to pending and is emitted again (the
     * dispatcher's claim makes a second job for the same recipient harmless). */
    return from_pgx(pgx_exec(a->conn,
                             "UPDATE campaign_recipients SET state = 'pending', updated_at = "
                             "now() WHERE campaign_id = $1::bigint AND state = 'queued' "
                             "AND NOT claim_open",
                             1, params, NULL, a->reason, sizeof(a->reason)));
}

static enum apply_result apply_duplicate(struct apply *a)
{
    enum campaign_status status;
    enum apply_result r = lock_campaign(a, &status);
    if (r != APPLIED)
        return r;
    char new_id[32];
    snprintf(new_id, sizeof(new_id), "%" JSON_INTEGER_FORMAT, a->cmd->new_campaign_id);
    const char *params[] = {a->id, new_id};
    PGresult *res = NULL;
    enum pgx_outcome o = pgx_exec(
        a->conn,
        "INSERT INTO campaigns (id, name, phone_number_id, template_name, template_language, "
        "template_params, audience, rate_limit_per_second, send_window, template_components, "
        "max_failure_rate, status, duplicated_from) SELECT $2::bigint, name, phone_number_id, "
        "template_name, template_language, template_params, audience, rate_limit_per_second, "
        "send_window, template_components, max_failure_rate, "
        "'draft', id FROM campaigns WHERE id = $1::bigint ON CONFLICT (id) DO NOTHING "
        "RETURNING id",
        2, params, &res, a->reason, sizeof(a->reason));
    if (o != PGX_OK)
        return from_pgx(o);
    int rows = PQntuples(res);
    PQclear(res);
    return rows ? APPLIED : reject(a, "campaign %s already exists", new_id);
}

static enum apply_result apply(struct apply *a)
{
    switch (a->cmd->type) {
    case CMD_CREATE:
        return apply_create(a);
    case CMD_UPDATE:
        return apply_update(a);
    case CMD_SCHEDULE:
        return apply_schedule(a);
    case CMD_START:
        return apply_start(a);
    case CMD_PAUSE:
    case CMD_RESUME:
    case CMD_CANCEL:
        return apply_status_change(a);
    case CMD_DUPLICATE:
        return apply_duplicate(a);
    default:
        return reject(a, "command type %s is not handled by the segmenter",
                      command_type_name(a->cmd->type));
    }
}

/* ---- the record ------------------------------------------------------------------------ */

/* Length of the longest valid UTF-8 prefix of s[0..len) without NUL, at most `max`: the
 * payload column is text, and a byte PostgreSQL refuses must not turn into endless retries. */
static size_t utf8_prefix(const unsigned char *s, size_t len, size_t max)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n = c < 0x80           ? 1
                   : (c >> 5) == 0x6  ? 2
                   : (c >> 4) == 0xe  ? 3
                   : (c >> 3) == 0x1e ? 4
                                      : 0;
        if (n == 0 || c == 0 || i + n > len || i + n > max)
            break;
        size_t k = 1;
        while (k < n && (s[i + k] & 0xc0) == 0x80)
            k++;
        if (k < n)
            break;
        i += n;
    }
    return i;
}

static int digits_only(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

struct record {
    char command_id[256];
    char campaign_id[32];
    const char *type;
    char *payload;
    char partition[16];
    char offset[32];
};

static void record_init(struct record *rec, const struct herald_message *m,
                        const struct campaign_command *cmd)
{
    memset(rec, 0, sizeof(*rec));
    if (cmd->command_id)
        snprintf(rec->command_id, sizeof(rec->command_id), "%s", cmd->command_id);
    else /* no usable id: the Kafka position and timestamp identify it across redeliveries
          * (the timestamp keeps a re-created topic's offsets from colliding) */
        snprintf(rec->command_id, sizeof(rec->command_id), "invalid:%s:%d:%" PRId64 ":%" PRId64,
                 m->topic, (int)m->partition, m->offset, m->timestamp_ms);
    if (cmd->campaign_id > 0)
        snprintf(rec->campaign_id, sizeof(rec->campaign_id), "%" JSON_INTEGER_FORMAT,
                 cmd->campaign_id);
    else if (m->key && m->key_len > 0 && m->key_len < 19 && digits_only(m->key, m->key_len))
        snprintf(rec->campaign_id, sizeof(rec->campaign_id), "%.*s", (int)m->key_len, m->key);
    rec->type = cmd->type_name && strlen(cmd->type_name) < 64 ? cmd->type_name : NULL;
    size_t n = utf8_prefix((const unsigned char *)m->payload, m->len, PAYLOAD_RECORD_MAX);
    rec->payload = strndup(m->payload, n);
    snprintf(rec->partition, sizeof(rec->partition), "%d", (int)m->partition);
    snprintf(rec->offset, sizeof(rec->offset), "%" PRId64, m->offset);
}

/* Claims the command id. Returns 1 when new, 0 when already recorded, -1 on failure. */
static int claim_record(struct segmenter *s, PGconn *conn, const struct record *rec, char *err,
                        size_t errlen)
{
    const char *params[] = {rec->command_id,
                            rec->campaign_id[0] ? rec->campaign_id : NULL,
                            rec->type,
                            rec->payload,
                            s->api->stage_name(s->host),
                            rec->partition,
                            rec->offset};
    PGresult *res = NULL;
    enum pgx_outcome o = pgx_exec(
        conn,
        "INSERT INTO command_results (command_id, campaign_id, type, outcome, payload, "
        "handled_by, kafka_partition, kafka_offset) VALUES ($1, $2::bigint, $3, 'accepted', $4, "
        "$5, $6::integer, $7::bigint) ON CONFLICT (command_id) DO NOTHING RETURNING 1",
        7, params, &res, err, errlen);
    if (o != PGX_OK)
        return -1;
    int fresh = PQntuples(res) == 1;
    PQclear(res);
    return fresh;
}

static int mark_rejected(PGconn *conn, const struct record *rec, const char *reason, char *err,
                         size_t errlen)
{
    const char *params[] = {rec->command_id, reason};
    return pgx_exec(conn,
                    "UPDATE command_results SET outcome = 'rejected', reason = $2 WHERE "
                    "command_id = $1",
                    2, params, NULL, err, errlen) == PGX_OK
               ? 0
               : -1;
}

/* Runs the whole transaction; returns the message status. */
static herald_status run_command(struct segmenter *s, PGconn *conn, struct herald_message *m,
                                 const struct campaign_command *cmd, const char *parse_error)
{
    struct record rec;
    record_init(&rec, m, cmd);
    struct apply a = {.s = s, .conn = conn, .cmd = cmd};
    snprintf(a.id, sizeof(a.id), "%s", rec.campaign_id);
    char err[512] = "";
    herald_status st = HERALD_RETRY;
    if (pgx_cmd(conn, "BEGIN", err, sizeof(err)) != PGX_OK)
        goto out;
    int fresh = claim_record(s, conn, &rec, err, sizeof(err));
    if (fresh <= 0) {
        pgx_rollback(conn);
        if (fresh == 0)
            s->api->counter_add(s->commands_duplicate, 1);
        st = fresh == 0 ? HERALD_OK : HERALD_RETRY;
        goto out;
    }
    enum apply_result r = REJECTED;
    if (parse_error)
        snprintf(a.reason, sizeof(a.reason), "%s", parse_error);
    else if (pgx_cmd(conn, "SAVEPOINT command", err, sizeof(err)) != PGX_OK)
        r = TRANSIENT;
    else
        r = apply(&a);
    if (r == REJECTED && !parse_error &&
        pgx_cmd(conn, "ROLLBACK TO SAVEPOINT command", err, sizeof(err)) != PGX_OK)
        r = TRANSIENT;
    if (r == REJECTED && mark_rejected(conn, &rec, a.reason, err, sizeof(err)) != 0)
        r = TRANSIENT;
    if (r == TRANSIENT || pgx_cmd(conn, "COMMIT", err, sizeof(err)) != PGX_OK) {
        pgx_rollback(conn);
        s->api->log(s->host, HERALD_LOG_WARN, "command %s: database error, will retry: %s",
                    rec.command_id, a.reason[0] && r == TRANSIENT ? a.reason : err);
        goto out;
    }
    st = HERALD_OK;
    if (r == REJECTED) {
        s->api->counter_add(s->commands_rejected, 1);
        s->api->log(s->host, HERALD_LOG_WARN, "command %s (%s, campaign %s) rejected: %s",
                    rec.command_id, rec.type ? rec.type : "?", rec.campaign_id, a.reason);
    } else {
        s->api->counter_add(s->commands_accepted, 1);
        s->api->log(s->host, HERALD_LOG_INFO, "command %s (%s, campaign %s) accepted",
                    rec.command_id, rec.type, rec.campaign_id);
    }
out:
    free(rec.payload);
    return st;
}

herald_status segmenter_announcement_exec(struct segmenter *s, const char *command_id,
                                          const char *type, const char *sql, int nparams,
                                          const char *const *params, PGresult **res)
{
    *res = NULL;
    PGconn *conn = s->api->pg_main(s->host);
    if (!conn)
        return HERALD_RETRY;
    char err[256];
    enum pgx_outcome o = pgx_exec(conn, sql, nparams, params, res, err, sizeof(err));
    if (o == PGX_TRANSIENT) {
        s->api->log(s->host, HERALD_LOG_WARN, "command %s: database error, will retry: %s",
                    command_id, err);
        return HERALD_RETRY;
    }
    if (o == PGX_DATA) {
        s->api->counter_add(s->commands_rejected, 1);
        s->api->log(s->host, HERALD_LOG_WARN, "command %s (%s) rejected: %s", command_id, type,
                    err);
    }
    return HERALD_OK;
}

/* One of Meta's announcements (no campaign: shapes of their own); a malformed one is logged,
 * counted and skipped. */
static herald_status handle_announcement(struct segmenter *s, const json_t *root)
{
    char err[256];
    if (messaging_limit_command_is(root)) {
        struct messaging_limit_command c;
        if (messaging_limit_command_parse(root, &c, err, sizeof(err)) == 0)
            return messaging_limit_follow(s, &c);
    } else if (waba_number_command_is(root)) {
        struct waba_number_command c;
        if (waba_number_command_parse(root, &c, err, sizeof(err)) == 0)
            return waba_number_follow(s, &c);
    } else {
        struct template_status_command c;
        if (template_status_command_parse(root, &c, err, sizeof(err)) == 0)
            return template_status_follow(s, &c);
    }
    s->api->counter_add(s->commands_rejected, 1);
    s->api->log(s->host, HERALD_LOG_WARN, "command rejected: %s", err);
    return HERALD_OK;
}

herald_status segmenter_handle_command(struct segmenter *s, struct herald_message *m)
{
    struct campaign_command cmd;
    char parse_error[512] = "";
    int parsed = command_parse(m->payload, m->len, &cmd, parse_error, sizeof(parse_error));
    if (cmd.type == CMD_RECALCULATE) { /* analytics' command, even when malformed */
        command_free(&cmd);
        return HERALD_OK;
    }
    if (cmd.root && (messaging_limit_command_is(cmd.root) || template_status_command_is(cmd.root) ||
                     waba_number_command_is(cmd.root))) {
        herald_status st = handle_announcement(s, cmd.root);
        command_free(&cmd);
        return st;
    }
    PGconn *conn = s->api->pg_main(s->host);
    herald_status st = HERALD_RETRY;
    if (conn)
        st = run_command(s, conn, m, &cmd, parsed == 0 ? NULL : parse_error);
    command_free(&cmd);
    return st;
}
