/*
 * migrations.c - numbered SQL migrations (see header).
 *
 * Each file runs in its own transaction together with the INSERT that records it, so a
 * failing file leaves nothing half-applied. A session advisory lock serialises concurrent
 * runners (tests create databases in parallel; CI and the demo may race). The files are
 * trusted SQL from the repository, executed as-is; no value is ever spliced into SQL here.
 */
#include "migrations.h"

#include <ctype.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MIGRATION_LOCK_KEY "7243019871"

static int is_migration(const char *name)
{
    size_t n = strlen(name);
    if (n < 6 || !isdigit((unsigned char)name[0]) || strcmp(name + n - 4, ".sql") != 0)
        return 0;
    size_t i = 0;
    while (isdigit((unsigned char)name[i]))
        i++;
    return name[i] == '_';
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of migration file names; caller frees. */
static char **list_files(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_migration(e->d_name))
            continue;
        if (n == cap)
            names = realloc(names, (cap *= 2) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    *count = n;
    return names;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    size_t got = fread(buf, 1, (size_t)len, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static int exec_ok(PGconn *c, const char *sql, const char *what)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        msg[strcspn(msg, "\n")] = '\0';
        fprintf(stderr, "herald-stage: migration %s failed: %s\n", what, msg);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

static int already_applied(PGconn *c, const char *version)
{
    const char *params[1] = {version};
    PGresult *r = PQexecParams(c, "SELECT 1 FROM herald_schema_migrations WHERE version = $1", 1,
                               NULL, params, NULL, NULL, 0);
    int applied = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
    PQclear(r);
    return applied;
}

static int apply_one(PGconn *c, const char *dir, const char *name)
{
    char version[256];
    snprintf(version, sizeof version, "%s", name);
    version[strlen(version) - 4] = '\0';
    if (already_applied(c, version))
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *sql = read_file(path);
    if (!sql) {
        fprintf(stderr, "herald-stage: cannot read migration %s\n", path);
        return -1;
    }
    const char *params[1] = {version};
    int rc = exec_ok(c, "BEGIN", name);
    if (rc == 0)
        rc = exec_ok(c, sql, name);
    if (rc == 0) {
        PGresult *r = PQexecParams(c, "INSERT INTO herald_schema_migrations (version) VALUES ($1)",
                                   1, NULL, params, NULL, NULL, 0);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        PQclear(r);
    }
    if (rc == 0)
        rc = exec_ok(c, "COMMIT", name);
    else
        PQclear(PQexec(c, "ROLLBACK"));
    free(sql);
    if (rc == 0)
        log_fields(HERALD_LOG_INFO, NULL, "migration", version, NULL, 0, "migration applied");
    return rc;
}

static int apply_all(PGconn *c, const char *dir)
{
    size_t n = 0;
    char **names = list_files(dir, &n);
    if (!names) {
        fprintf(stderr,
                "herald-stage: cannot open the migrations folder %s (set HERALD_MIGRATIONS_DIR)\n",
                dir);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = apply_one(c, dir, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int migrations_apply(const char *conninfo, const char *dir)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        fprintf(stderr,
                "herald-stage: --migrate: cannot connect to PostgreSQL: %s (is it running? "
                "scripts/postgres.sh start)\n",
                msg);
        PQfinish(c);
        return -1;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    int rc = exec_ok(c, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", "lock");
    if (rc == 0)
        rc = exec_ok(c,
                     "CREATE TABLE IF NOT EXISTS herald_schema_migrations ("
                     " version text PRIMARY KEY,"
                     " applied_at timestamptz NOT NULL DEFAULT now())",
                     "bookkeeping table");
    if (rc == 0)
        rc = apply_all(c, dir);
    PQclear(PQexec(c, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")"));
    PQfinish(c);
    return rc;
}
