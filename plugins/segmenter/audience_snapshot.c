/*
 * audience_snapshot.c - freezes a campaign's audience into campaign_recipients at start.
 *
 * Why: a running campaign must not change when contacts are edited, and the dispatcher must
 * get ready-to-send parameters. One INSERT ... SELECT (set-based, no row trips to the client)
 * copies the selected contacts with recipient_id 1..N in contact id order and the template
 * parameters rendered, inside the caller's transaction, so the snapshot and the status change
 * to `running` commit together or not at all. Opted-out contacts are excluded by the compiled
 * audience; contacts.phone is unique, so each phone appears once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segmenter.h"
#include "segmenter_pg.h"
#include "snapshot_sql.h"
#include "template_components.h"

static int fail(int *data_error, int is_data, char *err, size_t errlen, const char *what)
{
    *data_error = is_data;
    if (what)
        snprintf(err, errlen, "%s", what);
    return -1;
}

static int load_definition(PGconn *conn, const char *id, json_t **audience, json_t **mapping,
                           int *data_error, char *err, size_t errlen)
{
    const char *params[] = {id};
    PGresult *res = NULL;
    enum pgx_outcome o = pgx_exec(conn,
                                  "SELECT audience::text, template_params::text, "
                                  "coalesce(template_components, 'null')::text FROM campaigns "
                                  "WHERE id = $1::bigint",
                                  1, params, &res, err, errlen);
    if (o != PGX_OK)
        return fail(data_error, o == PGX_DATA, err, errlen, NULL);
    if (PQntuples(res) != 1) {
        PQclear(res);
        return fail(data_error, 1, err, errlen, "campaign vanished");
    }
    *audience = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    *mapping = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
    json_t *components = json_loads(PQgetvalue(res, 0, 2), JSON_DECODE_ANY, NULL);
    PQclear(res);
    /* the header's and the buttons' values are rendered after the body's (the job's order) */
    int ok = *audience && *mapping && components &&
             template_components_mapping(components, *mapping) == 0;
    json_decref(components);
    if (!ok)
        return fail(data_error, 1, err, errlen, "stored definition is not JSON");
    return 0;
}

static int insert_recipients(PGconn *conn, const char *id, const json_t *audience,
                             const json_t *mapping, long long *size, int *data_error, char *err,
                             size_t errlen)
{
    struct sql_params p;
    sql_params_init(&p, 2);
    char *sql = snapshot_sql(audience, mapping, &p, err, errlen);
    if (!sql) {
        sql_params_free(&p);
        return fail(data_error, 1, err, errlen, NULL);
    }
    const char **values = calloc((size_t)p.count + 1, sizeof(*values));
    if (!values) {
        free(sql);
        sql_params_free(&p);
        return fail(data_error, 0, err, errlen, "out of memory");
    }
    values[0] = id;
    for (int i = 0; i < p.count; i++)
        values[i + 1] = p.values[i];
    PGresult *res = NULL;
    enum pgx_outcome o = pgx_exec(conn, sql, p.count + 1, values, &res, err, errlen);
    free(values);
    free(sql);
    sql_params_free(&p);
    if (o != PGX_OK)
        return fail(data_error, o == PGX_DATA, err, errlen, NULL);
    *size = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return 0;
}

int campaign_start_locked(struct segmenter *s, PGconn *conn, const char *campaign_id,
                          long long *audience_size, int *data_error, char *err, size_t errlen)
{
    json_t *audience = NULL, *mapping = NULL;
    *data_error = 0;
    int rc = load_definition(conn, campaign_id, &audience, &mapping, data_error, err, errlen);
    if (rc == 0)
        rc = insert_recipients(conn, campaign_id, audience, mapping, audience_size, data_error, err,
                               errlen);
    json_decref(audience);
    json_decref(mapping);
    if (rc != 0)
        return -1;
    char size[32];
    snprintf(size, sizeof(size), "%lld", *audience_size);
    const char *params[] = {campaign_id, size};
    enum pgx_outcome o = pgx_exec(conn,
                                  "UPDATE campaigns SET status = 'running', started_at = now(), "
                                  "updated_at = now(), audience_size = $2::integer, "
                                  "status_reason = NULL WHERE id = $1::bigint",
                                  2, params, NULL, err, errlen);
    if (o != PGX_OK)
        return fail(data_error, o == PGX_DATA, err, errlen, NULL);
    s->api->counter_add(s->campaigns_started, 1);
    return 0;
}
