/*
 * segmenter_pg.h - running statements inside the segmenter's transactions and telling a
 * database outage (retry later) from a problem with the data (reject the command).
 *
 * Why: a command must be retried when PostgreSQL is away but rejected, never retried forever,
 * when its values break a constraint or a cast (SQLSTATE classes 22 and 23).
 */
#ifndef HERALD_SEGMENTER_PG_H
#define HERALD_SEGMENTER_PG_H

#include <libpq-fe.h>
#include <stddef.h>

enum pgx_outcome {
    PGX_OK = 0,
    PGX_DATA = 1,      /* the values were refused (22xxx data exception, 23xxx constraint) */
    PGX_TRANSIENT = 2, /* anything else: connection, serialization, server shutting down */
};

/* PQexecParams with text parameters (NULL entries are SQL NULL). On PGX_OK *res holds the
 * result (PQclear it) when res is not NULL; on failure err gets the server's primary message. */
enum pgx_outcome pgx_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
                          PGresult **res, char *err, size_t errlen);

/* Convenience for BEGIN / COMMIT / ROLLBACK / SAVEPOINT statements without parameters. */
enum pgx_outcome pgx_cmd(PGconn *conn, const char *sql, char *err, size_t errlen);

/* ROLLBACK, ignoring failure (the connection may be gone; the server aborts it anyway). */
void pgx_rollback(PGconn *conn);

#endif
