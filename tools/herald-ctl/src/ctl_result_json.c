/*
 * ctl_result_json.c - PGresult to typed JSON; see ctl_result_json.h.
 */
#include "ctl_result_json.h"

#include "ctl_pg_oids.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The integer v spells exactly, if it spells one that fits. */
static int parse_integer(const char *v, json_int_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    *out = (json_int_t)n;
    return 0;
}

static json_t *number_or_string(const char *v)
{
    json_int_t n;
    if (parse_integer(v, &n) == 0)
        return json_integer(n); /* also numeric 4000: 4000, not 4000.0 */
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d))
        return json_string(v); /* NaN, Infinity, out of range: JSON has no number for them */
    return json_real(d);
}

/* PostgreSQL's ISO output "2026-11-25 20:15:25.5+00" as RFC 3339, "2026-11-25T20:15:25.5+00:00"
 * (what jq's and most languages' date parsers take); anything else ("infinity") unchanged. */
static json_t *rfc3339_or_string(const char *v)
{
    size_t n = strlen(v);
    if (n < 19 || n > 40 || v[10] != ' ')
        return json_string(v);
    char buf[48];
    memcpy(buf, v, n + 1);
    buf[10] = 'T';
    const char *sign = strpbrk(buf + 19, "+-");
    if (sign && strlen(sign) == 3) /* "+01": whole hours, PostgreSQL leaves out ":00" */
        strcat(buf, ":00");
    return json_string(buf);
}

static json_t *document_or_string(const char *v)
{
    json_t *doc = json_loads(v, JSON_DECODE_ANY, NULL);
    return doc ? doc : json_string(v);
}

json_t *ctl_result_value_json(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return json_null();
    const char *v = PQgetvalue(res, row, col);
    switch (PQftype(res, col)) {
    case CTL_OID_INT2:
    case CTL_OID_INT4:
    case CTL_OID_INT8:
    case CTL_OID_OID:
    case CTL_OID_FLOAT4:
    case CTL_OID_FLOAT8:
    case CTL_OID_NUMERIC:
        return number_or_string(v);
    case CTL_OID_BOOL:
        return json_boolean(v[0] == 't');
    case CTL_OID_TIMESTAMP:
    case CTL_OID_TIMESTAMPTZ:
        return rfc3339_or_string(v);
    case CTL_OID_JSON:
    case CTL_OID_JSONB:
        return document_or_string(v);
    default:
        return json_string(v);
    }
}

static int skipped(const char *name, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (strcmp(name, *skip) == 0)
            return 1;
    return 0;
}

json_t *ctl_result_row_json(const PGresult *res, int row, const char *const *skip)
{
    json_t *obj = json_object();
    for (int c = 0; obj && c < PQnfields(res); c++) {
        if (skipped(PQfname(res, c), skip))
            continue;
        json_t *v = ctl_result_value_json(res, row, c);
        if (!v || json_object_set_new(obj, PQfname(res, c), v) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

json_t *ctl_result_rows_json(const PGresult *res)
{
    json_t *arr = json_array();
    for (int r = 0; arr && r < PQntuples(res); r++) {
        json_t *row = ctl_result_row_json(res, r, NULL);
        if (!row || json_array_append_new(arr, row) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int ctl_print_json(json_t *doc, FILE *out)
{
    if (!doc)
        return -1;
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc == 0 && fputc('\n', out) == EOF)
        rc = -1;
    return rc;
}
