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
 *
 * Exit status follows herald-ctl's convention (docs/herald-ctl.md), because herald-ctl runs
 * this binary when its importer is not compiled in and passes the status through: 0 done;
 * 1 the input was refused (usage, unreadable file or config, rejected rows, bad audience);
 * 2 PostgreSQL unreachable or failing. Every error is one line on stderr.
 */
#include <libconfig.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contacts_import.h"
#include "segment_rules.h"

#define DEFAULT_CONNINFO "host=127.0.0.1 port=19432 dbname=herald user=herald"

enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_INFRA = 2 };

static const char usage_text[] =
    "usage: herald-contacts [--pg CONNINFO] [--config FILE] COMMAND\n"
    "  import --list NAME FILE.csv|-   columns: phone (required), name, tags (a;b),\n"
    "                                  opted_out (true/false), others -> attributes\n"
    "  lists                           lists with their member counts\n"
    "  preview --audience JSON [--sample N]   count and sample of an audience\n"
    "Exit status: 0 done; 1 refused input (usage, unreadable file, rejected rows, bad\n"
    "audience); 2 PostgreSQL unreachable or failing.\n";

/* A usage error: one line naming the problem, then where to look. */
static int usage_error(const char *what)
{
    fprintf(stderr,
            "herald-contacts: %s\nusage: herald-contacts [--pg CONNINFO] [--config FILE] "
            "import|lists|preview ...  (see --help)\n",
            what);
    return EXIT_REFUSED;
}

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

/* libpq messages span lines ("...failed: Connection refused\n\tIs the server running...");
 * the convention is one line, so newlines and tabs become spaces and the end is trimmed. */
static const char *one_line(const char *msg, char *buf, size_t len)
{
    size_t n = 0;
    for (; msg && *msg && n + 1 < len; msg++)
        buf[n++] = (*msg == '\n' || *msg == '\t' || *msg == '\r') ? ' ' : *msg;
    while (n > 0 && buf[n - 1] == ' ')
        n--;
    buf[n] = '\0';
    return buf;
}

/* 2 when the connection is gone (the server went away), else `otherwise`. */
static int db_status(PGconn *conn, int otherwise)
{
    return PQstatus(conn) == CONNECTION_OK ? otherwise : EXIT_INFRA;
}

/* Conninfo from the config file into *out (malloc'd, NULL when the file has none);
 * -1 when the file cannot be read or parsed. */
static int conninfo_from_config(const char *path, char **out)
{
    config_t cfg;
    config_init(&cfg);
    const char *value = NULL;
    int rc = 0;
    *out = NULL;
    if (!config_read_file(&cfg, path)) {
        fprintf(stderr, "herald-contacts: cannot read config file %s: %s (line %d)\n", path,
                config_error_text(&cfg), config_error_line(&cfg));
        rc = -1;
    } else if (config_lookup_string(&cfg, "postgres.conninfo", &value)) {
        *out = strdup(value);
    }
    config_destroy(&cfg);
    return rc;
}

/* Connects; NULL with *rc set (1 bad config, 2 unreachable) on failure. */
static PGconn *connect_db(const char *pg, const char *config_path, int *rc)
{
    char *from_file = NULL;
    const char *conninfo = pg ? pg : getenv("HERALD_PG_CONNINFO");
    if (!conninfo && config_path) {
        if (conninfo_from_config(config_path, &from_file) != 0) {
            *rc = EXIT_REFUSED;
            return NULL;
        }
        conninfo = from_file;
    }
    if (!conninfo)
        conninfo = DEFAULT_CONNINFO;
    PGconn *conn = PQconnectdb(conninfo);
    free(from_file);
    if (PQstatus(conn) != CONNECTION_OK) {
        char line[512];
        fprintf(stderr, "herald-contacts: postgresql unreachable: %s\n",
                one_line(PQerrorMessage(conn), line, sizeof(line)));
        PQfinish(conn);
        *rc = EXIT_INFRA;
        return NULL;
    }
    return conn;
}

static void print_import(const struct import_result *r, const char *list)
{
    printf("accepted %ld, rejected %ld\n", r->accepted, r->rejected);
    for (long i = 0; i < r->rejected; i++)
        printf("line %ld: %s\n", r->rejections[i].line, r->rejections[i].reason);
    fprintf(stderr, "list '%s' (id %ld): %ld new contacts, %ld updated\n", list, r->list_id,
            r->inserted, r->accepted - r->inserted);
}

/* Options of `import`, checked before any connection is made. */
static int parse_import(int argc, char **argv, const char **list, const char **path)
{
    *list = *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0 && i + 1 < argc)
            *list = argv[++i];
        else if (strcmp(argv[i], "--list") == 0)
            return usage_error("import: --list needs a NAME");
        else if (!*path)
            *path = argv[i];
        else
            return usage_error("import: more than one FILE");
    }
    if (!*list || !**list)
        return usage_error("import: missing --list NAME");
    if (!*path)
        return usage_error("import: missing FILE.csv (or - for stdin)");
    return EXIT_DONE;
}

static int cmd_import(PGconn *conn, const char *list, FILE *in)
{
    struct import_result r;
    char err[512], line[512];
    if (contacts_import(conn, list, in, &r, err, sizeof(err)) != 0) {
        fprintf(stderr, "herald-contacts: import failed, nothing imported: %s\n",
                one_line(err, line, sizeof(line)));
        import_result_free(&r);
        return db_status(conn, EXIT_REFUSED);
    }
    print_import(&r, list);
    int rc = r.rejected > 0 ? EXIT_REFUSED : EXIT_DONE;
    import_result_free(&r);
    return rc;
}

static int cmd_lists(PGconn *conn)
{
    PGresult *r = PQexec(conn, "SELECT l.id, l.name, count(m.contact_id) FROM contact_lists l "
                               "LEFT JOIN contact_list_members m ON m.list_id = l.id "
                               "GROUP BY l.id, l.name ORDER BY l.id");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char line[512];
        fprintf(stderr, "herald-contacts: lists: %s\n",
                one_line(PQerrorMessage(conn), line, sizeof(line)));
        PQclear(r);
        return EXIT_INFRA;
    }
    printf("id\tname\tmembers\n");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    PQclear(r);
    return EXIT_DONE;
}

/* Options of `preview`, checked before any connection is made. */
static int parse_preview(int argc, char **argv, const char **audience, int *sample)
{
    *audience = NULL;
    *sample = 10;
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 >= argc)
            return usage_error("preview: an option is missing its value");
        if (strcmp(argv[i], "--audience") == 0) {
            *audience = argv[i + 1];
        } else if (strcmp(argv[i], "--sample") == 0) {
            char *end = NULL;
            long n = strtol(argv[i + 1], &end, 10);
            if (!*argv[i + 1] || *end || n < 0 || n > 1000)
                return usage_error("preview: --sample takes an integer 0..1000");
            *sample = (int)n;
        } else {
            return usage_error("preview: unknown option (give --audience JSON [--sample N])");
        }
    }
    if (!*audience)
        return usage_error("preview: missing --audience JSON");
    return EXIT_DONE;
}

static int cmd_preview(PGconn *conn, const char *audience, int sample)
{
    char err[512], line[512];
    char *json = segment_preview_json(conn, audience, sample, err, sizeof(err));
    if (!json) {
        fprintf(stderr, "herald-contacts: %s\n", one_line(err, line, sizeof(line)));
        return db_status(conn, EXIT_REFUSED);
    }
    printf("%s\n", json);
    free(json);
    return EXIT_DONE;
}

/* Runs the command on a fresh connection; options were validated by the caller. */
static int run(const char *cmd, int argc, char **argv, const char *pg, const char *config_path)
{
    const char *list = NULL, *path = NULL, *audience = NULL;
    int sample = 0, rc = EXIT_DONE;
    FILE *in = NULL;
    if (strcmp(cmd, "import") == 0) {
        if ((rc = parse_import(argc, argv, &list, &path)) != EXIT_DONE)
            return rc;
        in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (!in) {
            fprintf(stderr, "herald-contacts: import: cannot read %s\n", path);
            return EXIT_REFUSED;
        }
    } else if (strcmp(cmd, "preview") == 0) {
        if ((rc = parse_preview(argc, argv, &audience, &sample)) != EXIT_DONE)
            return rc;
    } else if (argc > 0) {
        return usage_error("lists takes no arguments");
    }
    PGconn *conn = connect_db(pg, config_path, &rc);
    if (conn) {
        rc = in         ? cmd_import(conn, list, in)
             : audience ? cmd_preview(conn, audience, sample)
                        : cmd_lists(conn);
        PQfinish(conn);
    }
    if (in && in != stdin)
        fclose(in);
    return rc;
}

int main(int argc, char **argv)
{
    const char *pg = NULL, *config_path = NULL;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0 && !is_help(argv[i]); i += 2) {
        if (i + 1 >= argc)
            return usage_error("an option is missing its value");
        if (strcmp(argv[i], "--pg") == 0)
            pg = argv[i + 1];
        else if (strcmp(argv[i], "--config") == 0)
            config_path = argv[i + 1];
        else
            return usage_error("unknown option (give --pg CONNINFO or --config FILE)");
    }
    for (int j = i; j < argc; j++) {
        if (is_help(argv[j])) {
            fputs(usage_text, stdout);
            return EXIT_DONE;
        }
    }
    if (i >= argc)
        return usage_error("missing COMMAND (import, lists or preview)");
    const char *cmd = argv[i++];
    if (strcmp(cmd, "import") && strcmp(cmd, "lists") && strcmp(cmd, "preview")) {
        char what[160];
        snprintf(what, sizeof(what), "unknown command '%.80s'", cmd);
        return usage_error(what);
    }
    return run(cmd, argc - i, argv + i, pg, config_path);
}
