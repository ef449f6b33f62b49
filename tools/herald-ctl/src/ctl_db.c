/*
 * ctl_db.c - PostgreSQL helpers for herald-ctl; see ctl_db.h.
 */
#include "ctl_db.h"

#include <stdio.h>
#include <string.h>

void ctl_db_one_line(const char *s, char *out, size_t len)
{
    if (len == 0)
        return;
    snprintf(out, len, "%s", s ? s : "");
    for (char *p = out; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    }
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
}

PGconn *ctl_db_connect(const char *conninfo, char *err, size_t errlen)
{
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"5", "herald-ctl", conninfo, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg) {
        snprintf(err, errlen, "postgresql: out of memory");
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        char why[512];
        ctl_db_one_line(PQerrorMessage(pg), why, sizeof(why));
        snprintf(err, errlen, "postgresql unreachable: %s", why);
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

enum ctl_db_status ctl_db_query(PGconn *pg, const char *sql, int nparams, const char *const *params,
                                PGresult **res, char *err, size_t errlen)
{
    *res = NULL;
    PGresult *r = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        *res = r;
        return CTL_DB_OK;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    char why[512];
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    ctl_db_one_line(primary ? primary : PQerrorMessage(pg), why, sizeof(why));
    int missing = state && (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0 ||
                            strcmp(state, "42883") == 0);
    snprintf(err, errlen, "postgresql: %s%s", why,
             missing ? " (database not migrated? herald-stage --config FILE --migrate)" : "");
    PQclear(r);
    return missing ? CTL_DB_MISSING : CTL_DB_ERROR;
}
