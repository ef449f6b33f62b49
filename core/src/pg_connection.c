/*
 * pg_connection.c - reconnecting PostgreSQL connection (see header).
 *
 * Backoff doubles from 100 ms to 5 s between connection attempts so that a stage whose
 * database is down neither hammers the server nor stalls its main loop for long: every
 * attempt is bounded by connect_timeout=2 unless the conninfo sets its own.
 */
#include "pg_connection.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct herald_pg {
    char *conninfo;
    PGconn *conn;
    int64_t next_attempt_ms;
    int64_t backoff_ms;
    int reported_down;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq prints server notices, and errors that arrive while the connection is idle (e.g.
 * "FATAL: terminating connection due to administrator command" when the server shuts
 * down), straight to stderr. Route them into the JSON log so every line stays JSON. */
static void notice_to_log(void *arg, const char *message)
{
    (void)arg;
    char line[512];
    size_t n = 0;
    for (const char *p = message; *p && n + 1 < sizeof line; p++)
        line[n++] = (*p == '\n' || *p == '\t') ? ' ' : *p;
    while (n > 0 && line[n - 1] == ' ')
        n--;
    line[n] = '\0';
    if (strncmp(line, "NOTICE", 6) == 0 || strncmp(line, "INFO", 4) == 0)
        LOG_INFO("postgres: %s", line);
    else
        LOG_WARN("postgres: %s", line);
}

herald_pg *pg_connection_new(const char *conninfo)
{
    herald_pg *pg = calloc(1, sizeof *pg);
    if (strstr(conninfo, "connect_timeout") || strstr(conninfo, "://")) {
        pg->conninfo = strdup(conninfo);
    } else {
        size_t len = strlen(conninfo) + 32;
        pg->conninfo = malloc(len);
        snprintf(pg->conninfo, len, "%s connect_timeout=2", conninfo);
    }
    pg->backoff_ms = 100;
    return pg;
}

PGconn *pg_connection_get(herald_pg *pg)
{
    if (pg->conn && PQstatus(pg->conn) == CONNECTION_OK)
        return pg->conn;
    if (pg->conn) {
        PQfinish(pg->conn);
        pg->conn = NULL;
    }
    int64_t now = mono_ms();
    if (now < pg->next_attempt_ms)
        return NULL;
    pg->conn = PQconnectdb(pg->conninfo);
    if (PQstatus(pg->conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(pg->conn, notice_to_log, NULL);
        if (pg->reported_down)
            LOG_INFO("postgres: connection re-established");
        pg->reported_down = 0;
        pg->backoff_ms = 100;
        return pg->conn;
    }
    /* PQerrorMessage names host and port, never the password */
    char msg[512];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg->conn));
    msg[strcspn(msg, "\n")] = '\0';
    if (!pg->reported_down)
        LOG_WARN("postgres: cannot connect (retrying with backoff): %s", msg);
    pg->reported_down = 1;
    PQfinish(pg->conn);
    pg->conn = NULL;
    pg->next_attempt_ms = now + pg->backoff_ms;
    pg->backoff_ms = pg->backoff_ms * 2 > 5000 ? 5000 : pg->backoff_ms * 2;
    return NULL;
}

void pg_connection_check(herald_pg *pg)
{
    if (pg->conn && PQstatus(pg->conn) != CONNECTION_OK) {
        PQfinish(pg->conn);
        pg->conn = NULL;
    }
}

void pg_connection_free(herald_pg *pg)
{
    if (!pg)
        return;
    if (pg->conn)
        PQfinish(pg->conn);
    free(pg->conninfo);
    free(pg);
}

PGresult *pg_connection_exec(herald_pg *pg, const char *who, const char *sql, int nparams,
                             const char *const *params)
{
    PGconn *c = pg_connection_get(pg);
    if (!c)
        return NULL;
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
    msg[strcspn(msg, "\n")] = '\0';
    log_msg(HERALD_LOG_ERROR, who, "postgres: query failed: %s", msg);
    PQclear(r);
    pg_connection_check(pg);
    return NULL;
}
