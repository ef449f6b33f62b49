/*
 * cmd_contacts_import.c - `herald-ctl contacts import --list NAME FILE.csv`.
 *
 * Why it reuses the segmenter's code: contact validation and the COPY-based import belong to
 * the segmenter (plugins/segmenter/cli/contacts_import.c); herald-ctl compiles that file in
 * when it is part of the build, so there is one importer and one set of rules, and maps its
 * result to herald-ctl's output and exit codes. Without it, the segmenter's `herald-contacts`
 * binary is run instead.
 *
 * Output: "accepted N, rejected M", then "line L: reason" for every rejected row, then the
 * list summary. Exit: 0 all rows imported; 1 some rows rejected (the others are imported) or
 * nothing could be imported; 2 PostgreSQL unreachable.
 */
#include "ctl_sibling.h"
#include "ctl_subcommands.h"

#include <stdio.h>
#include <unistd.h>

#ifdef HERALD_CTL_HAVE_CONTACTS_IMPORT
#include "contacts_import.h"

static void print_result(const struct import_result *r, const char *list, bool quiet)
{
    printf("accepted %ld, rejected %ld\n", r->accepted, r->rejected);
    for (long i = 0; i < r->rejected; i++)
        printf("line %ld: %s\n", r->rejections[i].line, r->rejections[i].reason);
    if (!quiet)
        printf("list '%s' (id %ld): %ld new contacts, %ld updated\n", list, r->list_id, r->inserted,
               r->accepted - r->inserted);
}

static int import(struct ctl_ctx *ctx, const char *list, const char *file)
{
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    FILE *in = fopen(file, "r");
    if (!in) {
        ctl_errorf("contacts import: cannot read %s", file);
        return CTL_EXIT_FAIL;
    }
    struct import_result r;
    char err[512];
    int rc = contacts_import(pg, list, in, &r, err, sizeof(err));
    fclose(in);
    if (rc != 0) {
        ctl_errorf("contacts import: nothing imported: %s", err);
        import_result_free(&r);
        return PQstatus(pg) == CONNECTION_OK ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
    }
    print_result(&r, list, ctx->quiet);
    rc = r.rejected > 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
    import_result_free(&r);
    return rc;
}
#else
static int import(struct ctl_ctx *ctx, const char *list, const char *file)
{
    char path[4096];
    if (ctl_sibling_path("herald-contacts", path, sizeof(path)) != 0) {
        ctl_errorf("contacts import needs herald-contacts (built by plugins/segmenter) next to "
                   "herald-ctl or on PATH");
        return CTL_EXIT_INFRA;
    }
    char *argv[] = {path, "import", "--list", (char *)list, (char *)file, NULL};
    return ctl_sibling_run(ctx, argv);
}
#endif

int ctl_cmd_contacts_import(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    const char *file = opts->positional[0];
    const char *list = ctl_opts_get(opts, "list");
    if (!list || !*list) {
        ctl_errorf("contacts import: missing --list NAME (the list is created when new)");
        return CTL_EXIT_FAIL;
    }
    if (access(file, R_OK) != 0) {
        ctl_errorf("contacts import: cannot read %s", file);
        return CTL_EXIT_FAIL;
    }
    return import(ctx, list, file);
}
