/*
 * segmenter_pg.c - statement execution with outcome classification (see header for why).
 */
#include "segmenter_pg.h"

#include <stdio.h>
#include <string.h>

static enum pgx_outcome classify(PGconn *conn, PGresult *r)
{
    if (PQstatus(conn) != CONNECTION_OK)
        return PGX_TRANSIENT;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0))
        return PGX_DATA;
    return PGX_TRANSIENT;
}

enum pgx_outcome pgx_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
                          PGresult **res, char *err, size_t errlen)
{
    if (res)
        *res = NULL;
    PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (res)
            *res = r;
        else
            PQclear(r);
        return PGX_OK;
    }
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    snprintf(err, errlen, "%s", msg ? msg : PQerrorMessage(conn));
    char *nl = strchr(err, '\n');
    if (nl)
        *nl = '\0';
    enum pgx_outcome out = classify(conn, r);
    PQclear(r);
    return out;
}

enum pgx_outcome pgx_cmd(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    return pgx_exec(conn, sql, 0, NULL, NULL, err, errlen);
}

void pgx_rollback(PGconn *conn)
{
    PQclear(PQexec(conn, "ROLLBACK"));
}
