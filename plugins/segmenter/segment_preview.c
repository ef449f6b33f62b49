/*
 * segment_preview.c - count and sample of an audience, before a campaign starts.
 *
 * Why: operators must see who a rule set selects before sending to it. The same compiled,
 * parameterised expression as the snapshot is used, so the preview cannot disagree with what
 * the campaign will actually send to (apart from contacts changing in between).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "herald/text_buffer.h"
#include "segment_rules.h"

static PGresult *run(PGconn *conn, const char *sql, const struct sql_params *p, char *err,
                     size_t errlen)
{
    PGresult *res = PQexecParams(conn, sql, p->count, NULL, sql_params_values(p), NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "preview query failed: %s", PQerrorMessage(conn));
        char *nl = strchr(err, '\n');
        if (nl)
            *nl = '\0';
        PQclear(res);
        return NULL;
    }
    return res;
}

static int fill_sample(PGresult *res, struct segment_preview *out)
{
    int rows = PQntuples(res);
    out->sample = calloc(rows ? (size_t)rows : 1, sizeof(*out->sample));
    if (!out->sample)
        return -1;
    for (int i = 0; i < rows; i++) {
        struct segment_contact *sc = &out->sample[out->nsample++];
        sc->phone = strdup(PQgetvalue(res, i, 0));
        sc->name = PQgetisnull(res, i, 1) ? NULL : strdup(PQgetvalue(res, i, 1));
    }
    return 0;
}

int segment_preview_run(PGconn *conn, const json_t *audience, int sample_limit,
                        struct segment_preview *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (sample_limit < 0 || sample_limit > 1000) {
        snprintf(err, errlen, "sample limit must be 0..1000");
        return -1;
    }
    struct sql_params p;
    sql_params_init(&p, 1);
    char *where = NULL;
    int rc = -1;
    if (segment_compile(audience, &p, &where, err, errlen) != 0)
        goto done;
    struct text_buffer sql;
    text_buffer_init(&sql);
    text_buffer_printf(&sql, "SELECT count(*) FROM contacts c WHERE %s", where);
    char *count_sql = text_buffer_take(&sql);
    text_buffer_printf(&sql,
                       "SELECT c.phone, c.name FROM contacts c WHERE %s ORDER BY c.id LIMIT %d",
                       where, sample_limit);
    char *sample_sql = text_buffer_take(&sql);
    PGresult *res = count_sql ? run(conn, count_sql, &p, err, errlen) : NULL;
    if (res) {
        out->count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        res = sample_sql ? run(conn, sample_sql, &p, err, errlen) : NULL;
        if (res) {
            rc = fill_sample(res, out);
            PQclear(res);
        }
    }
    free(count_sql);
    free(sample_sql);
done:
    free(where);
    sql_params_free(&p);
    return rc;
}

void segment_preview_free(struct segment_preview *p)
{
    for (size_t i = 0; i < p->nsample; i++) {
        free(p->sample[i].phone);
        free(p->sample[i].name);
    }
    free(p->sample);
    memset(p, 0, sizeof(*p));
}

char *segment_preview_json(PGconn *conn, const char *audience_json, int sample_limit, char *err,
                           size_t errlen)
{
    json_error_t jerr;
    json_t *audience = json_loads(audience_json, JSON_REJECT_DUPLICATES, &jerr);
    if (!audience) {
        snprintf(err, errlen, "audience is not valid JSON: %s (line %d)", jerr.text, jerr.line);
        return NULL;
    }
    struct segment_preview pv;
    int rc = segment_preview_run(conn, audience, sample_limit, &pv, err, errlen);
    json_decref(audience);
    if (rc != 0)
        return NULL;
    json_t *sample = json_array();
    for (size_t i = 0; i < pv.nsample; i++)
        json_array_append_new(sample, json_pack("{s:s, s:s?}", "phone", pv.sample[i].phone, "name",
                                                pv.sample[i].name));
    json_t *doc = json_pack("{s:I, s:o}", "count", (json_int_t)pv.count, "sample", sample);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    segment_preview_free(&pv);
    if (!text)
        snprintf(err, errlen, "out of memory");
    return text;
}
