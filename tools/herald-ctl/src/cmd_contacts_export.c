/*
 * cmd_contacts_export.c - `herald-ctl contacts export [--list NAME]`: the contacts as CSV in
 * the very format `contacts import` reads, so an export imports back unchanged (a backup, a
 * move to another Herald, an edit in a spreadsheet).
 *
 * Columns: phone, name, tags (';'-separated), opted_out (true/false), then one column per
 * attribute key found among the exported contacts, in key order (an empty cell: the contact
 * lacks it). Rows stream in contact id order through libpq's single-row mode and libcsv's
 * quoting, so memory stays flat however many contacts there are; every value is a bind
 * parameter. An attribute whose key is a reserved column name (possible through the API's
 * JSON import) cannot be told apart on import: it is left out and named on stderr.
 */
#include "ctl_db.h"
#include "ctl_subcommands.h"

#include <csv.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_KEYS 252 /* the importer's 256 columns less the four reserved ones */

/* $1: the list id, or NULL for every contact. */
#define CONTACTS_FILTER                                                                            \
    "($1::bigint IS NULL OR EXISTS (SELECT 1 FROM contact_list_members m "                         \
    "WHERE m.contact_id = c.id AND m.list_id = $1::bigint))"

static const char keys_sql[] = "SELECT DISTINCT k FROM contacts c, jsonb_object_keys(c.attributes) "
                               "k WHERE " CONTACTS_FILTER " ORDER BY k";
static const char rows_sql[] = "SELECT phone, coalesce(name, ''), array_to_string(tags, ';'), "
                               "CASE WHEN opted_out THEN 'true' ELSE 'false' END, attributes::text "
                               "FROM contacts c WHERE " CONTACTS_FILTER " ORDER BY c.id";

struct export_keys {
    size_t n;
    char *names[MAX_KEYS]; /* owned */
};

static int reserved(const char *key)
{
    return !strcasecmp(key, "phone") || !strcasecmp(key, "name") || !strcasecmp(key, "tags") ||
           !strcasecmp(key, "opted_out");
}

static void keys_free(struct export_keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->names[i]);
    k->n = 0;
}

/* The attribute keys to export as columns; an exit code. */
static int load_keys(PGconn *pg, const char *list_id, struct export_keys *k)
{
    const char *params[] = {list_id};
    PGresult *res;
    char err[600];
    if (ctl_db_query(pg, keys_sql, 1, params, &res, err, sizeof(err)) != CTL_DB_OK) {
        ctl_errorf("contacts export: %s", err);
        return CTL_EXIT_INFRA;
    }
    int rc = CTL_EXIT_OK;
    for (int i = 0; i < PQntuples(res) && rc == CTL_EXIT_OK; i++) {
        const char *key = PQgetvalue(res, i, 0);
        if (reserved(key)) {
            fprintf(stderr, "note: attribute '%s' left out (a reserved column name)\n", key);
        } else if (k->n == MAX_KEYS) {
            ctl_errorf("contacts export: more than %d attribute keys (the importer's limit)",
                       MAX_KEYS);
            rc = CTL_EXIT_FAIL;
        } else if (!(k->names[k->n++] = strdup(key))) {
            rc = CTL_EXIT_FAIL;
        }
    }
    PQclear(res);
    return rc;
}

static void put_field(FILE *out, const char *s, int first)
{
    if (!first)
        fputc(',', out);
    csv_fwrite(out, s, strlen(s));
}

static void put_header(FILE *out, const struct export_keys *k)
{
    static const char *const fixed[] = {"phone", "name", "tags", "opted_out"};
    for (size_t i = 0; i < 4; i++)
        put_field(out, fixed[i], i == 0);
    for (size_t i = 0; i < k->n; i++)
        put_field(out, k->names[i], 0);
    fputc('\n', out);
}

/* One contact: the four fixed columns from the row, the attributes from its JSON. */
static void put_row(FILE *out, const PGresult *res, const struct export_keys *k)
{
    for (int c = 0; c < 4; c++)
        put_field(out, PQgetvalue(res, 0, c), c == 0);
    json_t *attrs = json_loads(PQgetvalue(res, 0, 4), 0, NULL);
    for (size_t i = 0; i < k->n; i++) {
        json_t *v = json_object_get(attrs, k->names[i]);
        char *text = NULL;
        const char *s = "";
        if (json_is_string(v))
            s = json_string_value(v);
        else if (v && !json_is_null(v))
            s = text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        put_field(out, s ? s : "", 0);
        free(text);
    }
    json_decref(attrs);
    fputc('\n', out);
}

static int stream_rows(PGconn *pg, const char *list_id, const struct export_keys *k, FILE *out)
{
    const char *params[] = {list_id};
    if (!PQsendQueryParams(pg, rows_sql, 1, NULL, params, NULL, NULL, 0) ||
        !PQsetSingleRowMode(pg)) {
        char why[512];
        ctl_db_one_line(PQerrorMessage(pg), why, sizeof(why));
        ctl_errorf("contacts export: %s", why);
        return CTL_EXIT_INFRA;
    }
    put_header(out, k);
    int rc = CTL_EXIT_OK;
    PGresult *res;
    while ((res = PQgetResult(pg)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            put_row(out, res, k);
        } else if (st != PGRES_TUPLES_OK && rc == CTL_EXIT_OK) {
            char why[512];
            ctl_db_one_line(PQresultErrorMessage(res), why, sizeof(why));
            ctl_errorf("contacts export: %s", why);
            rc = CTL_EXIT_INFRA;
        }
        PQclear(res);
    }
    return rc;
}

static int run(PGconn *pg, const char *sql)
{
    PGresult *res;
    char err[600];
    if (ctl_db_query(pg, sql, 0, NULL, &res, err, sizeof(err)) != CTL_DB_OK) {
        ctl_errorf("contacts export: %s", err);
        return CTL_EXIT_INFRA;
    }
    PQclear(res);
    return CTL_EXIT_OK;
}

/* --list NAME to its id (text); an exit code. */
static int list_id_of(PGconn *pg, const char *name, char id[24])
{
    const char *params[] = {name};
    PGresult *res;
    char err[600];
    if (ctl_db_query(pg, "SELECT id FROM contact_lists WHERE name = $1", 1, params, &res, err,
                     sizeof(err)) != CTL_DB_OK) {
        ctl_errorf("contacts export: %s", err);
        return CTL_EXIT_INFRA;
    }
    int found = PQntuples(res) == 1;
    if (found)
        snprintf(id, 24, "%s", PQgetvalue(res, 0, 0));
    else
        ctl_errorf("no contact list named '%s' (herald-ctl lists shows them)", name);
    PQclear(res);
    return found ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

int ctl_cmd_contacts_export(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    const char *list = ctl_opts_get(opts, "list");
    char id[24];
    int rc = list ? list_id_of(pg, list, id) : CTL_EXIT_OK;
    struct export_keys keys = {0};
    /* one snapshot: the header's keys are those of the rows that follow */
    if (rc == CTL_EXIT_OK)
        rc = run(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (rc == CTL_EXIT_OK)
        rc = load_keys(pg, list ? id : NULL, &keys);
    if (rc == CTL_EXIT_OK)
        rc = stream_rows(pg, list ? id : NULL, &keys, stdout);
    if (rc == CTL_EXIT_OK)
        rc = run(pg, "COMMIT");
    keys_free(&keys);
    if (fflush(stdout) != 0 && rc == CTL_EXIT_OK) {
        ctl_errorf("contacts export: cannot write the output");
        rc = CTL_EXIT_FAIL;
    }
    return rc;
}
