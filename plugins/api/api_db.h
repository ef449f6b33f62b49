/*
 * api_db.h - a small pool of PostgreSQL connections for the API's connection threads.
 *
 * Why: libpq connections are not thread-safe and the host's main connection belongs to the
 * main thread. Each request borrows one of db_pool_size connections (opened lazily through
 * the host's pg_open, which reconnects after outages) and gives it back; a request that
 * cannot get one in time answers 503 instead of piling up.
 */
#ifndef HERALD_API_DB_H
#define HERALD_API_DB_H

#include <herald/plugin.h>
#include <libpq-fe.h>

struct api_db_pool;
struct api_db_lease {
    struct api_db_pool *pool;
    int slot;
    PGconn *conn;
};

struct api_db_pool *api_db_pool_new(herald_host *host, int size);
void api_db_pool_free(struct api_db_pool *pool);

/* Borrows a live connection, waiting up to wait_ms for a free slot. Returns 0, or -1 when no
 * slot freed up or the database is unreachable. */
int api_db_acquire(struct api_db_pool *pool, int wait_ms, struct api_db_lease *lease);
void api_db_release(struct api_db_lease *lease);

/* PQexecParams with text parameters; returns the result when its status is TUPLES_OK or
 * COMMAND_OK, else logs, PQclear()s and returns NULL; *sqlstate (if given) gets the error's
 * SQLSTATE ("" when none). */
PGresult *api_db_exec(struct api_db_lease *lease, const char *sql, int nparams,
                      const char *const *params, char sqlstate[6]);

#endif
