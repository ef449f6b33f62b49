/*
 * cmd_contacts_import.c - `herald-ctl contacts import --list NAME FILE.csv`.
 *
 * Why it delegates: the segmenter owns contact validation and the COPY-based import
 * (plugins/segmenter/cli, binary `herald-contacts`); herald-ctl runs that binary from its own
 * bin directory with the same connection settings, so there is one importer and one set of
 * rules. The importer prints the accepted/rejected summary and each rejected row's line and
 * reason; its exit status is passed through (0 ok, 1 bad input, 2 infrastructure).
 */
#include "ctl_sibling.h"
#include "ctl_subcommands.h"

#include <stdio.h>
#include <unistd.h>

int ctl_cmd_contacts_import(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    const char *file = opts->positional[0];
    const char *list = ctl_opts_get(opts, "list");
    if (access(file, R_OK) != 0) {
        ctl_errorf("contacts import: cannot read %s", file);
        return CTL_EXIT_FAIL;
    }
    char path[4096];
    if (ctl_sibling_path("herald-contacts", path, sizeof(path)) != 0) {
        ctl_errorf("contacts import needs herald-contacts (built by plugins/segmenter) next to "
                   "herald-ctl or on PATH");
        return CTL_EXIT_INFRA;
    }
    char *argv[8];
    int n = 0;
    argv[n++] = path;
    argv[n++] = "import";
    if (list) {
        argv[n++] = "--list";
        argv[n++] = (char *)list;
    }
    argv[n++] = (char *)file;
    argv[n] = NULL;
    return ctl_sibling_run(ctx, argv);
}
