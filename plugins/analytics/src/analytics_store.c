/*
 * analytics_store.c - one batch, one transaction (see the header).
 */
#include "analytics_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_CHUNK (1 << 20)

/* Map a failed result (or a NULL one) to retry-or-not and keep the server's message. */
static analytics_store_rc failure(PGconn *conn, PGresult *res, char *err, size_t errlen)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    snprintf(err, errlen, "%s", msg && msg[0] ? msg : "unknown PostgreSQL error");
    size_t n = strlen(err);
    while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(conn) != CONNECTION_OK || !state)
        return ANALYTICS_STORE_TRANSIENT;
    if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
        return ANALYTICS_STORE_DATA;
    return ANALYTICS_STORE_TRANSIENT;
}

static analytics_store_rc exec_ok(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType s = PQresultStatus(res);
    analytics_store_rc rc = ANALYTICS_STORE_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        rc = failure(conn, res, err, errlen);
    PQclear(res);
    return rc;
}

static void drain_results(PGconn *conn)
{
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL)
        PQclear(res);
}

static analytics_store_rc copy_rows(PGconn *conn, const char *table, const char *columns,
                                    const struct analytics_copybuf *buf, char *err, size_t errlen)
{
    if (buf->rows == 0)
        return ANALYTICS_STORE_OK;
    char sql[512];
    snprintf(sql, sizeof sql, "COPY %s (%s) FROM STDIN", table, columns);
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        analytics_store_rc rc = failure(conn, res, err, errlen);
        PQclear(res);
        drain_results(conn);
        return rc;
    }
    PQclear(res);
    int ok = 1;
    const struct text_buffer *rows = &buf->text;
    for (size_t off = 0; ok && off < rows->len; off += COPY_CHUNK) {
        size_t n = rows->len - off < COPY_CHUNK ? rows->len - off : COPY_CHUNK;
        ok = PQputCopyData(conn, rows->data + off, (int)n) == 1;
    }
    PQputCopyEnd(conn, ok ? NULL : "client failed to send COPY data");
    res = PQgetResult(conn);
    analytics_store_rc rc = ANALYTICS_STORE_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = failure(conn, res, err, errlen);
    PQclear(res);
    drain_results(conn);
    return rc;
}

static int64_t field_i64(const PGresult *res, int col)
{
    if (PQgetisnull(res, 0, col))
        return -1;
    return strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

static analytics_store_rc apply_call(PGconn *conn, int sweep, const struct analytics_settings *s,
                                     struct analytics_apply_result *out, char *err, size_t errlen)
{
    char window[32], timeout[32], retention[32];
    snprintf(window, sizeof window, "%.17g", s->attribution_window_hours);
    snprintf(timeout, sizeof timeout, "%.17g", s->reply_park_timeout_seconds);
    snprintf(retention, sizeof retention, "%.17g", s->park_retention_hours);
    const char *params[4] = {window, timeout, retention, sweep ? "true" : "false"};
    PGresult *res = PQexecParams(
        conn,
        "SELECT folded, parked, unparked, replies_stored, replies_attributed, expired, "
        "parked_pending, replies_pending "
        "FROM analytics_apply_batch($1::float8, $2::float8, $3::float8, $4::boolean)",
        4, NULL, params, NULL, NULL, 0);
    analytics_store_rc rc = ANALYTICS_STORE_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        rc = failure(conn, res, err, errlen);
    } else {
        out->folded = field_i64(res, 0);
        out->parked = field_i64(res, 1);
        out->unparked = field_i64(res, 2);
        out->replies_stored = field_i64(res, 3);
        out->replies_attributed = field_i64(res, 4);
        out->expired = field_i64(res, 5);
        out->parked_pending = field_i64(res, 6);
        out->replies_pending = field_i64(res, 7);
    }
    PQclear(res);
    return rc;
}

/* Before analytics_apply_batch: a reply is "new" while it is not yet stored, and only a new
 * one may change a contact (a redelivered STOP must not undo a START that came after it). */
static analytics_store_rc apply_opt_keywords(PGconn *conn, const struct analytics_batch *b,
                                             struct analytics_apply_result *out, char *err,
                                             size_t errlen)
{
    if (b->replies.rows == 0)
        return ANALYTICS_STORE_OK;
    PGresult *res = PQexec(conn, "SELECT opted_out, opted_in FROM analytics_apply_opt_keywords()");
    analytics_store_rc rc = ANALYTICS_STORE_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        rc = failure(conn, res, err, errlen);
    } else {
        out->opted_out = field_i64(res, 0);
        out->opted_in = field_i64(res, 1);
    }
    PQclear(res);
    return rc;
}

static analytics_store_rc recalculate(PGconn *conn, const struct analytics_batch_command *c,
                                      const char *stage, int64_t *done, char *err, size_t errlen)
{
    char campaign[24], partition[16], offset[24];
    snprintf(campaign, sizeof campaign, "%" PRId64, c->cmd.campaign_id);
    snprintf(partition, sizeof partition, "%" PRId32, c->partition);
    snprintf(offset, sizeof offset, "%" PRId64, c->offset);
    const char *params[6] = {c->cmd.command_id, c->cmd.campaign_id ? campaign : NULL,
                             c->payload,        stage,
                             partition,         offset};
    PGresult *res = PQexecParams(conn,
                                 "SELECT analytics_handle_recalculate($1, $2::bigint, $3, $4, "
                                 "$5::integer, $6::bigint)",
                                 6, NULL, params, NULL, NULL, 0);
    analytics_store_rc rc = ANALYTICS_STORE_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = failure(conn, res, err, errlen);
    else if (strcmp(PQgetvalue(res, 0, 0), "duplicate") != 0)
        (*done)++;
    PQclear(res);
    return rc;
}

static analytics_store_rc run(struct analytics_store *st, PGconn *conn,
                              const struct analytics_batch *b, int sweep,
                              const struct analytics_settings *s,
                              struct analytics_apply_result *out, char *err, size_t errlen)
{
    analytics_store_rc rc = exec_ok(conn, "BEGIN", err, errlen);
    if (rc == ANALYTICS_STORE_OK && st->backend_pid != PQbackendPID(conn))
        rc = exec_ok(conn, "SELECT analytics_session_init()", err, errlen);
    if (rc == ANALYTICS_STORE_OK)
        rc = copy_rows(conn, "analytics_stage", ANALYTICS_STAGE_COLUMNS, &b->events, err, errlen);
    if (rc == ANALYTICS_STORE_OK)
        rc = copy_rows(conn, "analytics_stage_replies", ANALYTICS_STAGE_REPLY_COLUMNS, &b->replies,
                       err, errlen);
    if (rc == ANALYTICS_STORE_OK)
        rc = apply_opt_keywords(conn, b, out, err, errlen);
    if (rc == ANALYTICS_STORE_OK)
        rc = apply_call(conn, sweep, s, out, err, errlen);
    for (size_t i = 0; rc == ANALYTICS_STORE_OK && i < b->ncommands; i++)
        rc = recalculate(conn, &b->commands[i], s->stage_name, &out->recalculated, err, errlen);
    if (rc == ANALYTICS_STORE_OK)
        rc = exec_ok(conn, "COMMIT", err, errlen);
    return rc;
}

analytics_store_rc analytics_store_apply(struct analytics_store *st, PGconn *conn,
                                         struct analytics_batch *b, int sweep,
                                         const struct analytics_settings *s,
                                         struct analytics_apply_result *out, char *err,
                                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->parked_pending = out->replies_pending = -1;
    analytics_batch_seal(b);
    if (b->failed || b->merged.failed || b->events.text.failed || b->replies.text.failed) {
        snprintf(err, errlen, "out of memory while encoding the batch");
        return ANALYTICS_STORE_TRANSIENT;
    }
    analytics_store_rc rc = run(st, conn, b, sweep, s, out, err, errlen);
    if (rc == ANALYTICS_STORE_OK) {
        st->backend_pid = PQbackendPID(conn);
        return rc;
    }
    /* The staging tables may have been created inside the failed transaction. */
    st->backend_pid = 0;
    if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE) {
        PGresult *res = PQexec(conn, "ROLLBACK");
        PQclear(res);
    }
    return rc;
}
