/*
 * pg_connection.h - one PostgreSQL connection that reconnects with backoff.
 *
 * Why: a stage must survive a database restart without crashing or spinning; callers ask
 * for the connection each time and get NULL (=> HERALD_RETRY) while the server is away.
 * A herald_pg is used by one thread at a time.
 */
#ifndef HERALD_PG_CONNECTION_H
#define HERALD_PG_CONNECTION_H

#include <libpq-fe.h>

#include "herald/plugin.h"

herald_pg *pg_connection_new(const char *conninfo);
/* Connected PGconn, reconnecting if the last one broke and the backoff allows; NULL if the
 * database is unreachable right now. */
PGconn *pg_connection_get(herald_pg *pg);
/* Drops a connection that a failed query showed to be broken (next get reconnects). */
void pg_connection_check(herald_pg *pg);
void pg_connection_free(herald_pg *pg);
/* PQexecParams with text parameters; logs failures (`who` names the caller) and returns
 * the result only when it is COMMAND_OK or TUPLES_OK (caller PQclear()s), else NULL. */
PGresult *pg_connection_exec(herald_pg *pg, const char *who, const char *sql, int nparams,
                             const char *const *params);

#endif
