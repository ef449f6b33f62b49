/*
 * cmd_contacts_opt.c - `herald-ctl contacts opt-out|opt-in|erase PHONE...`: record a
 * contact's request, made outside WhatsApp (support mail, a web form), to stop or resume
 * campaigns, or to have their data erased.
 *
 * Why it links the segmenter's library: the rule (what an opt-out does to an unknown phone, how
 * it orders against keyword replies) is the segmenter's contact_opt.c, shared with the control
 * API, so herald-ctl cannot apply it differently.
 *
 * Phones come from the command line and/or --file (a compliance team's list of requests: one
 * per line, or a `contacts export` CSV), all in ONE call, so one transaction and, for erase,
 * one pass over the delivery rows however many there are (migration 059).
 *
 * Output: one row per distinct phone (phone, result); -J for JSON. Exit 1 when a phone was
 * refused, is not a contact (opt-in) or was not found (erase); the others are done all the
 * same.
 */
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The phones of one call; every string is owned. */
struct phone_list {
    char **v;
    size_t n, cap;
};

static void phone_list_free(struct phone_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int phone_list_add(struct phone_list *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *copy = strndup(s, len);
    if (!copy)
        return -1;
    l->v[l->n++] = copy;
    return 0;
}

/* One phone per line ('-' = stdin). Only the first comma-separated field counts and a first
 * line "phone" is a header, so a `contacts export` file works as it is; blank lines and '#'
 * comments are skipped; surrounding blanks and quotes are trimmed. */
static int read_phone_file(const char *path, struct phone_list *l, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "--file %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    for (long lineno = 1; rc == 0 && (got = getline(&line, &cap, f)) >= 0; lineno++) {
        size_t len = strcspn(line, ",\r\n");
        const char *s = line;
        while (len > 0 && (*s == ' ' || *s == '\t' || *s == '"'))
            s++, len--;
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '"'))
            len--;
        if (len == 0 || *s == '#' || (lineno == 1 && len == 5 && strncmp(s, "phone", 5) == 0))
            continue;
        if (phone_list_add(l, s, len) != 0) {
            snprintf(err, errlen, "--file %s: out of memory at line %ld", path, lineno);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "--file %s: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* The command line's phones, then the file's. */
static int collect_phones(const struct ctl_opts *opts, struct phone_list *l, char *err,
                          size_t errlen)
{
    for (int i = 0; i < opts->npositional; i++)
        if (phone_list_add(l, opts->positional[i], strlen(opts->positional[i])) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    const char *file = ctl_opts_get(opts, "file");
    if (file && read_phone_file(file, l, err, errlen) != 0)
        return -1;
    if (l->n == 0) {
        snprintf(err, errlen, "no phone given (PHONE... or --file FILE)");
        return -1;
    }
    return 0;
}

#ifdef HERALD_CTL_HAVE_SEGMENTER_LOGIC
#include "contact_opt.h"

static int run(struct ctl_ctx *ctx, const struct ctl_opts *opts, enum contact_opt_request what)
{
    const char *name = what == CONTACT_OPT_OUT  ? "opt-out"
                       : what == CONTACT_OPT_IN ? "opt-in"
                                                : "erase";
    char err[600];
    struct phone_list phones = {0};
    if (collect_phones(opts, &phones, err, sizeof(err)) != 0) {
        ctl_errorf("contacts %s: %s", name, err);
        phone_list_free(&phones);
        return CTL_EXIT_FAIL;
    }
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg) {
        phone_list_free(&phones);
        return CTL_EXIT_INFRA;
    }
    PGresult *res =
        contact_opt_apply(pg, what, (const char *const *)phones.v, phones.n, err, sizeof(err));
    phone_list_free(&phones);
    if (!res) {
        ctl_errorf("contacts %s: %s", name, err);
        return PQstatus(pg) == CONNECTION_OK ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
    }
    bool failed = false;
    for (int i = 0; i < PQntuples(res); i++)
        failed |= contact_opt_result_failed(PQgetvalue(res, i, 1)) != 0;
    int rc =
        ctl_print_result(res, ctl_output_choose(ctl_opts_count(opts, "json"), 0), NULL, stdout);
    PQclear(res);
    return rc || failed ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
#else
enum contact_opt_request { CONTACT_OPT_OUT, CONTACT_OPT_IN, CONTACT_ERASE };

static int run(struct ctl_ctx *ctx, const struct ctl_opts *opts, enum contact_opt_request what)
{
    (void)ctx;
    (void)opts;
    (void)what;
    ctl_errorf("this contacts command needs the segmenter's library in this build");
    return CTL_EXIT_FAIL;
}
#endif

int ctl_cmd_contacts_opt_out(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return run(ctx, opts, CONTACT_OPT_OUT);
}

int ctl_cmd_contacts_opt_in(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return run(ctx, opts, CONTACT_OPT_IN);
}

int ctl_cmd_contacts_erase(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return run(ctx, opts, CONTACT_ERASE);
}
