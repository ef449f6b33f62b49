/*
 * ctl_db.h - herald-ctl's PostgreSQL access: connect with a bounded timeout and run
 * parameterised queries, telling "the analytics view does not exist yet" apart from real
 * errors so read commands can degrade instead of failing.
 *
 * Why this exists: every subcommand reads or polls PostgreSQL; error texts from libpq end in
 * newlines and must become one-line reasons, and SQLSTATE 42P01/42703/42883 (undefined table,
 * column or function) has a meaning of its own here.
 */
#ifndef HERALD_CTL_DB_H
#define HERALD_CTL_DB_H

#include <libpq-fe.h>
#include <stddef.h>

/* Connects (connect_timeout 5 s unless conninfo says otherwise). NULL + reason on error. */
PGconn *ctl_db_connect(const char *conninfo, char *err, size_t errlen);

enum ctl_db_status {
    CTL_DB_OK = 0,
    CTL_DB_MISSING = 1, /* undefined table/view/column/function: a migration not applied yet */
    CTL_DB_ERROR = 2,
};

/* Runs sql with text params. On CTL_DB_OK *res is the result (caller PQclear()s); otherwise
 * *res is NULL and err holds a one-line reason. */
enum ctl_db_status ctl_db_query(PGconn *pg, const char *sql, int nparams, const char *const *params,
                                PGresult **res, char *err, size_t errlen);

/* Copies s with trailing newlines/spaces removed and inner newlines as spaces. */
void ctl_db_one_line(const char *s, char *out, size_t len);

#endif
