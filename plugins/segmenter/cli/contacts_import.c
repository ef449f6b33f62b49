/*
 * contacts_import.c - streaming CSV -> COPY staging -> set-based upsert (see header).
 *
 * Lines are fed to libcsv one physical line at a time so every record knows the line it
 * started on, even when quoted fields span lines. Duplicate phones inside one file are
 * rejected after the first occurrence (detected with a hash set of the normalised digits);
 * a phone that already exists in the database is an update, not a rejection.
 */
#include "contacts_import.h"

#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contacts_csv.h"
#include "herald/text_buffer.h"

#define COPY_FLUSH_BYTES (1 << 20)

/* ---- phone set: open addressing over the digits as an integer (<= 15 digits fit). */
struct phone_set {
    uint64_t *keys; /* 0 = empty (a phone never starts with 0) */
    long *lines;
    size_t cap, used;
};

static size_t slot_of(const struct phone_set *s, uint64_t key)
{
    size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull) & (s->cap - 1);
    while (s->keys[i] && s->keys[i] != key)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int phone_set_grow(struct phone_set *s)
{
    struct phone_set bigger = {.cap = s->cap ? s->cap * 2 : 4096};
    bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
    bigger.lines = calloc(bigger.cap, sizeof(*bigger.lines));
    if (!bigger.keys || !bigger.lines) {
        free(bigger.keys);
        free(bigger.lines);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++)
        if (s->keys[i]) {
            size_t j = slot_of(&bigger, s->keys[i]);
            bigger.keys[j] = s->keys[i];
            bigger.lines[j] = s->lines[i];
            bigger.used++;
        }
    free(s->keys);
    free(s->lines);
    *s = bigger;
    return 0;
}

/* Returns 0 when added, the first line when already present, -1 on allocation failure. */
static long phone_set_add(struct phone_set *s, const char *digits, long line)
{
    if ((s->used + 1) * 2 > s->cap && phone_set_grow(s) != 0)
        return -1;
    uint64_t key = strtoull(digits, NULL, 10);
    size_t i = slot_of(s, key);
    if (s->keys[i])
        return s->lines[i];
    s->keys[i] = key;
    s->lines[i] = line;
    s->used++;
    return 0;
}

/* ---- parsing state */
struct importer {
    PGconn *conn;
    struct import_result *out;
    struct csv_header header;
    int have_header;
    char *fields[CSV_MAX_COLUMNS + 1];
    size_t nfields;   /* fields seen in the current record (may exceed what is stored) */
    long line;        /* physical line being parsed */
    long record_line; /* line the current record started on */
    struct phone_set phones;
    struct text_buffer copy;
    char err[512];
    int fatal;
};

static void add_rejection(struct importer *im, long line, const char *reason)
{
    struct import_result *r = im->out;
    if ((r->rejected & (r->rejected - 1)) == 0) { /* grow at powers of two */
        size_t cap = r->rejected ? (size_t)r->rejected * 2 : 16;
        struct import_rejection *more = realloc(r->rejections, cap * sizeof(*more));
        if (!more) {
            im->fatal = 1;
            snprintf(im->err, sizeof(im->err), "out of memory");
            return;
        }
        r->rejections = more;
    }
    r->rejections[r->rejected].line = line;
    r->rejections[r->rejected].reason = strdup(reason);
    r->rejected++;
}

static void on_field(void *field, size_t len, void *data)
{
    struct importer *im = data;
    if (im->nfields == 0)
        im->record_line = im->line;
    if (im->nfields < CSV_MAX_COLUMNS + 1)
        im->fields[im->nfields] = strndup(field, len);
    im->nfields++;
}

static void flush_copy(struct importer *im)
{
    if (im->fatal || im->copy.len == 0)
        return;
    if (im->copy.failed || PQputCopyData(im->conn, im->copy.data, (int)im->copy.len) != 1) {
        im->fatal = 1;
        snprintf(im->err, sizeof(im->err), "COPY failed: %s", PQerrorMessage(im->conn));
    }
    im->copy.len = 0;
    if (im->copy.data)
        im->copy.data[0] = '\0';
}

static void take_record(struct importer *im)
{
    size_t n = im->nfields < CSV_MAX_COLUMNS + 1 ? im->nfields : CSV_MAX_COLUMNS + 1;
    char reason[512];
    if (!im->have_header) {
        if (csv_header_parse(&im->header, im->fields, n, reason, sizeof(reason)) != 0) {
            im->fatal = 1;
            snprintf(im->err, sizeof(im->err), "line %ld: %.400s", im->record_line, reason);
        }
        im->have_header = 1;
        return;
    }
    char phone[PHONE_BUF_SIZE];
    size_t before = im->copy.len;
    if (csv_row_to_copy(&im->header, im->fields, im->nfields > n ? im->nfields : n, &im->copy,
                        phone, reason, sizeof(reason)) != 0) {
        add_rejection(im, im->record_line, reason);
        return;
    }
    long first = phone_set_add(&im->phones, phone, im->record_line);
    if (first != 0) {
        im->copy.len = before; /* drop the line just appended */
        im->copy.data[before] = '\0';
        snprintf(reason, sizeof(reason), "duplicate phone %s (first on line %ld)", phone, first);
        add_rejection(im, im->record_line, first < 0 ? "out of memory" : reason);
        return;
    }
    im->out->accepted++;
    if (im->copy.len >= COPY_FLUSH_BYTES)
        flush_copy(im);
}

static void on_record(int c, void *data)
{
    struct importer *im = data;
    if (!im->fatal)
        take_record(im);
    size_t n = im->nfields < CSV_MAX_COLUMNS + 1 ? im->nfields : CSV_MAX_COLUMNS + 1;
    for (size_t i = 0; i < n; i++) {
        free(im->fields[i]);
        im->fields[i] = NULL;
    }
    im->nfields = 0;
}

/* A record with more fields than the header: csv_row_to_copy needs a pointer per field, so
 * cap what we pass and let it report the count. */
static int parse_stream(struct importer *im, FILE *in)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        snprintf(im->err, sizeof(im->err), "csv_init failed");
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    while (!im->fatal && (len = getline(&buf, &cap, in)) > 0) {
        im->line++;
        char *start = buf;
        if (im->line == 1 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
            start += 3; /* UTF-8 byte order mark */
            len -= 3;
        }
        if (csv_parse(&p, start, (size_t)len, on_field, on_record, im) != (size_t)len) {
            im->fatal = 1;
            snprintf(im->err, sizeof(im->err), "line %ld: %s", im->line,
                     csv_strerror(csv_error(&p)));
        }
    }
    if (!im->fatal)
        csv_fini(&p, on_field, on_record, im);
    csv_free(&p);
    free(buf);
    if (!im->fatal && !im->have_header) {
        im->fatal = 1;
        snprintf(im->err, sizeof(im->err), "empty file (no header line)");
    }
    return im->fatal ? -1 : 0;
}

/* ---- database side */
static int exec_ok(PGconn *conn, const char *sql, int n, const char *const *params, PGresult **keep,
                   char *err, size_t errlen)
{
    PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQerrorMessage(conn));
        char *nl = strchr(err, '\n');
        if (nl)
            *nl = '\0';
        PQclear(r);
        return -1;
    }
    if (keep)
        *keep = r;
    else
        PQclear(r);
    return 0;
}

static int begin_copy(PGconn *conn, char *err, size_t errlen)
{
    if (exec_ok(conn, "BEGIN", 0, NULL, NULL, err, errlen) != 0 ||
        exec_ok(conn,
                "CREATE TEMP TABLE herald_import (phone text NOT NULL, name text, tags text, "
                "opted_out boolean NOT NULL, attributes jsonb NOT NULL) ON COMMIT DROP",
                0, NULL, NULL, err, errlen) != 0)
        return -1;
    PGresult *r = PQexec(conn, "COPY herald_import (phone, name, tags, opted_out, attributes) "
                               "FROM STDIN");
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        snprintf(err, errlen, "COPY refused: %s", PQerrorMessage(conn));
    PQclear(r);
    return ok ? 0 : -1;
}

static int end_copy(PGconn *conn, int abort_copy, char *err, size_t errlen)
{
    if (PQputCopyEnd(conn, abort_copy ? "import aborted" : NULL) != 1) {
        snprintf(err, errlen, "COPY end failed: %s", PQerrorMessage(conn));
        return -1;
    }
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !abort_copy) {
            snprintf(err, errlen, "COPY failed: %s", PQerrorMessage(conn));
            rc = -1;
        }
        PQclear(r);
    }
    return abort_copy ? -1 : rc;
}

static const char UPSERT_SQL[] =
    "WITH up AS (INSERT INTO contacts AS c (phone, name, tags, opted_out, opted_out_at, "
    "attributes) SELECT phone, name, coalesce(string_to_array(nullif(tags, ''), ';'), '{}'), "
    "opted_out, CASE WHEN opted_out THEN now() END, attributes FROM herald_import "
    "ON CONFLICT (phone) DO UPDATE SET name = coalesce(EXCLUDED.name, c.name), "
    "attributes = c.attributes || EXCLUDED.attributes, "
    "tags = ARRAY(SELECT DISTINCT t FROM unnest(c.tags || EXCLUDED.tags) AS t ORDER BY t), "
    "opted_out = c.opted_out OR EXCLUDED.opted_out, "
    "opted_out_at = CASE WHEN c.opted_out THEN c.opted_out_at WHEN EXCLUDED.opted_out THEN now() "
    "END, updated_at = now() RETURNING (xmax = 0) AS inserted) "
    "SELECT count(*) FILTER (WHERE inserted) FROM up";

static int upsert(PGconn *conn, const char *list, struct import_result *out, char *err,
                  size_t errlen)
{
    const char *params[] = {list};
    PGresult *r = NULL;
    if (exec_ok(conn,
                "WITH ins AS (INSERT INTO contact_lists (name) VALUES ($1) ON CONFLICT (name) DO "
                "NOTHING RETURNING id) SELECT id FROM ins UNION ALL SELECT id FROM contact_lists "
                "WHERE name = $1",
                1, params, &r, err, errlen) != 0)
        return -1;
    out->list_id = PQntuples(r) ? atol(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    if (exec_ok(conn, UPSERT_SQL, 0, NULL, &r, err, errlen) != 0)
        return -1;
    out->inserted = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    char list_id[32];
    snprintf(list_id, sizeof(list_id), "%ld", out->list_id);
    const char *lp[] = {list_id};
    return exec_ok(conn,
                   "INSERT INTO contact_list_members (list_id, contact_id) SELECT $1::bigint, "
                   "c.id FROM herald_import i JOIN contacts c ON c.phone = i.phone ON CONFLICT "
                   "DO NOTHING",
                   1, lp, NULL, err, errlen);
}

int contacts_import(PGconn *conn, const char *list, FILE *in, struct import_result *out, char *err,
                    size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!list || !*list) {
        snprintf(err, errlen, "a list name is required");
        return -1;
    }
    struct importer im = {.conn = conn, .out = out};
    text_buffer_init(&im.copy);
    int rc = begin_copy(conn, err, errlen);
    if (rc == 0) {
        parse_stream(&im, in);
        flush_copy(&im);
        rc = end_copy(conn, im.fatal, err, errlen);
        if (im.fatal)
            snprintf(err, errlen, "%.400s", im.err);
    }
    if (rc == 0)
        rc = upsert(conn, list, out, err, errlen);
    if (rc == 0)
        rc = exec_ok(conn, "COMMIT", 0, NULL, NULL, err, errlen);
    if (rc != 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        out->accepted = 0;
    }
    csv_header_free(&im.header);
    free(im.phones.keys);
    free(im.phones.lines);
    text_buffer_free(&im.copy);
    return rc;
}

void import_result_free(struct import_result *r)
{
    for (long i = 0; i < r->rejected; i++)
        free(r->rejections[i].reason);
    free(r->rejections);
    memset(r, 0, sizeof(*r));
}
