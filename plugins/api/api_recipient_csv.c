/*
 * api_recipient_csv.c - GET /api/campaigns/{id}/recipients?format=csv: the whole campaign's
 * recipients with their outcomes as one CSV download, streamed from PostgreSQL's COPY.
 *
 * Why a stream: a campaign can have millions of recipients; the rows go from the server's COPY
 * writer (which does the CSV quoting) to the socket as they come, a buffer at a time, so the
 * API's memory does not grow with the campaign. A download can take as long as the client
 * reads, so it does not hold one of the API's pooled connections (four slow downloads would
 * starve every other request): it opens a database connection of its own through the host
 * (pg_open) and closes it after the last row (the thread is the HTTP connection's own, see
 * api_internal.h). A client that hangs up mid-way cancels the COPY. A database error mid-way
 * ends the response without its final chunk, so the client sees an incomplete transfer, never
 * a short file that looks whole.
 *
 * COPY takes no bind parameters: the campaign id and the outcome filter travel as
 * transaction-local settings (migration 061's functions, shared with herald-ctl campaign
 * recipients).
 */
#include "api_internal.h"

#include <libpq-fe.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum copy_state { COPYING, FINISHED, FAILED };

struct csv_stream {
    herald_host *host;
    herald_pg *pg; /* owned: the download's own connection, closed by csv_free */
    PGconn *conn;  /* pg's connection */
    char *row;     /* the current row from PQgetCopyData, PQfreemem()d */
    size_t len, off;
    enum copy_state state;
};

static const char settings_sql[] = "SELECT campaign_recipient_export_prepare($1, $2)";
static const char copy_sql[] =
    "COPY (SELECT * FROM campaign_recipient_export()) TO STDOUT (FORMAT csv, HEADER)";

static void log_failure(struct csv_stream *s, const char *what)
{
    s->host->api->log(s->host, HERALD_LOG_WARN, "api: recipients CSV %s: %.300s", what,
                      s->conn ? PQerrorMessage(s->conn) : "no database connection");
}

/* Reads the next row into s->row. 1 when there is one; 0 at the end or on error (s->state). */
static int next_row(struct csv_stream *s)
{
    char *row = NULL;
    int n = PQgetCopyData(s->conn, &row, 0);
    if (n > 0) {
        s->row = row;
        s->len = (size_t)n;
        s->off = 0;
        return 1;
    }
    s->state = FINISHED;
    if (n == -2)
        s->state = FAILED;
    PGresult *res;
    while ((res = PQgetResult(s->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            s->state = FAILED;
        PQclear(res);
    }
    if (s->state == FAILED)
        log_failure(s, "ended early");
    return 0;
}

static ssize_t csv_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct csv_stream *s = cls;
    size_t n = 0;
    while (n < max) {
        if (s->off == s->len) {
            PQfreemem(s->row);
            s->row = NULL;
            s->len = s->off = 0;
            if (s->state != COPYING || !next_row(s))
                break;
        }
        size_t k = s->len - s->off < max - n ? s->len - s->off : max - n;
        memcpy(out + n, s->row + s->off, k);
        s->off += k;
        n += k;
    }
    if (n > 0)
        return (ssize_t)n;
    return s->state == FINISHED ? MHD_CONTENT_READER_END_OF_STREAM
                                : MHD_CONTENT_READER_END_WITH_ERROR;
}

/* The client went away mid-way: ask the server to stop the COPY now rather than when its next
 * write finds the closed connection (the connection is closed right after). */
static void cancel_copy(struct csv_stream *s)
{
    char err[256];
    PGcancel *c = PQgetCancel(s->conn);
    if (c) {
        PQcancel(c, err, sizeof(err));
        PQfreeCancel(c);
    }
}

static void csv_free(void *cls)
{
    struct csv_stream *s = cls;
    PQfreemem(s->row);
    if (s->state == COPYING)
        cancel_copy(s);
    if (s->pg)
        s->host->api->pg_close(s->pg);
    free(s);
}

static int exec_ok(PGconn *conn, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    return ok ? 0 : -1;
}

/* BEGIN, the settings, COPY: 0 when the server is sending rows. */
static int start_copy(PGconn *conn, const char *campaign_id, const char *outcomes)
{
    const char *params[2] = {campaign_id, outcomes ? outcomes : ""};
    if (exec_ok(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) != 0 ||
        exec_ok(conn, settings_sql, 2, params) != 0)
        return -1;
    PGresult *res = PQexec(conn, copy_sql);
    int ok = PQresultStatus(res) == PGRES_COPY_OUT;
    PQclear(res);
    return ok ? 0 : -1;
}

struct MHD_Response *api_recipients_csv_stream(struct api_ctx *ctx, int64_t campaign_id,
                                               const char *outcomes)
{
    char id[24], disposition[96];
    snprintf(id, sizeof(id), "%lld", (long long)campaign_id);
    struct csv_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->host = ctx->host;
    s->pg = ctx->api->pg_open(ctx->host);
    s->conn = s->pg ? ctx->api->pg_conn(s->pg) : NULL;
    if (!s->conn || start_copy(s->conn, id, outcomes) != 0) {
        log_failure(s, "could not start");
        s->state = FAILED;
        csv_free(s);
        return NULL;
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, csv_read, s, csv_free);
    if (!r) {
        csv_free(s);
        return NULL;
    }
    snprintf(disposition, sizeof(disposition),
             "attachment; filename=\"campaign-%s-recipients.csv\"", id);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return r;
}
