/*
 * herald_contacts.c - `herald-contacts`: import contacts from CSV, list the lists, preview an
 * audience. herald-ctl wraps it; it can be used on its own.
 *
 *   herald-contacts [--pg CONNINFO] [--config FILE] import --list NAME FILE.csv|-
 *   herald-contacts [--pg CONNINFO] [--config FILE] lists
 *   herald-contacts [--pg CONNINFO] [--config FILE] preview --audience JSON [--sample N]
 *
 * Connection: --pg, else env HERALD_PG_CONNINFO, else postgres.conninfo of --config (a stage
 * config file), else the local development server.
 */
#include <libconfig.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contacts_import.h"
#include "segment_rules.h"

#define DEFAULT_CONNINFO "host=127.0.0.1 port=55432 dbname=herald user=herald"

static int usage(void)
{
    fprintf(stderr,
            "usage: herald-contacts [--pg CONNINFO] [--config FILE] COMMAND\n"
            "  import --list NAME FILE.csv|-   columns: phone (required), name, tags (a;b),\n"
            "                                  opted_out (true/false), others -> attributes\n"
            "  lists                           lists with their member counts\n"
            "  preview --audience JSON [--sample N]   count and sample of an audience\n");
    return 2;
}

/* Conninfo from the config file; returns a malloc'd string or NULL. */
static char *conninfo_from_config(const char *path)
{
    config_t cfg;
    config_init(&cfg);
    char *out = NULL;
    const char *value = NULL;
    if (!config_read_file(&cfg, path))
        fprintf(stderr, "herald-contacts: %s:%d: %s\n", path, config_error_line(&cfg),
                config_error_text(&cfg));
    else if (config_lookup_string(&cfg, "postgres.conninfo", &value))
        out = strdup(value);
    config_destroy(&cfg);
    return out;
}

static PGconn *connect_db(const char *pg, const char *config_path)
{
    char *from_file = NULL;
    const char *conninfo = pg ? pg : getenv("HERALD_PG_CONNINFO");
    if (!conninfo && config_path)
        conninfo = from_file = conninfo_from_config(config_path);
    if (!conninfo)
        conninfo = DEFAULT_CONNINFO;
    PGconn *conn = PQconnectdb(conninfo);
    free(from_file);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "herald-contacts: cannot connect to PostgreSQL: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

static int cmd_import(PGconn *conn, int argc, char **argv)
{
    const char *list = NULL, *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0 && i + 1 < argc)
            list = argv[++i];
        else if (!path)
            path = argv[i];
        else
            return usage();
    }
    if (!list || !path)
        return usage();
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) {
        perror(path);
        return 1;
    }
    struct import_result r;
    char err[512];
    int rc = contacts_import(conn, list, in, &r, err, sizeof(err));
    if (in != stdin)
        fclose(in);
    if (rc != 0) {
        fprintf(stderr, "herald-contacts: import failed, nothing imported: %s\n", err);
        import_result_free(&r);
        return 1;
    }
    printf("accepted %ld, rejected %ld\n", r.accepted, r.rejected);
    for (long i = 0; i < r.rejected; i++)
        printf("line %ld: %s\n", r.rejections[i].line, r.rejections[i].reason);
    fprintf(stderr, "list '%s' (id %ld): %ld new contacts, %ld updated\n", list, r.list_id,
            r.inserted, r.accepted - r.inserted);
    import_result_free(&r);
    return 0;
}

static int cmd_lists(PGconn *conn)
{
    PGresult *r = PQexec(conn, "SELECT l.id, l.name, count(m.contact_id) FROM contact_lists l "
                               "LEFT JOIN contact_list_members m ON m.list_id = l.id "
                               "GROUP BY l.id, l.name ORDER BY l.id");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "herald-contacts: %s", PQerrorMessage(conn));
        PQclear(r);
        return 1;
    }
    printf("id\tname\tmembers\n");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    PQclear(r);
    return 0;
}

static int cmd_preview(PGconn *conn, int argc, char **argv)
{
    const char *audience = NULL;
    int sample = 10;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--audience") == 0)
            audience = argv[i + 1];
        else if (strcmp(argv[i], "--sample") == 0)
            sample = atoi(argv[i + 1]);
        else
            return usage();
    }
    if (!audience || argc % 2)
        return usage();
    char err[512];
    char *json = segment_preview_json(conn, audience, sample, err, sizeof(err));
    if (!json) {
        fprintf(stderr, "herald-contacts: %s\n", err);
        return 1;
    }
    printf("%s\n", json);
    free(json);
    return 0;
}

int main(int argc, char **argv)
{
    const char *pg = NULL, *config_path = NULL;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--pg") == 0)
            pg = argv[i + 1];
        else if (strcmp(argv[i], "--config") == 0)
            config_path = argv[i + 1];
        else
            return usage();
    }
    if (i >= argc)
        return usage();
    const char *cmd = argv[i++];
    if (strcmp(cmd, "import") && strcmp(cmd, "lists") && strcmp(cmd, "preview"))
        return usage();
    PGconn *conn = connect_db(pg, config_path);
    if (!conn)
        return 1;
    int rc = strcmp(cmd, "import") == 0  ? cmd_import(conn, argc - i, argv + i)
             : strcmp(cmd, "lists") == 0 ? cmd_lists(conn)
                                         : cmd_preview(conn, argc - i, argv + i);
    PQfinish(conn);
    return rc;
}
