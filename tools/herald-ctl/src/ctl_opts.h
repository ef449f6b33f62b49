/*
 * ctl_opts.h - a small, table-driven command-line option parser for herald-ctl.
 *
 * Why this exists: every herald-ctl subcommand takes long options in the same style
 * (`--name value`, `--name=value`, repeatable `--param x --param y`, flags, `--` to end
 * options) and prints `--help` from the same table it parses with. getopt_long keeps global
 * state and cannot be unit-tested cleanly; this parser is pure (no I/O, no globals) so the
 * cmocka tests cover every error path.
 *
 * Ownership: parsed values point into argv (never copied); ctl_opts_free() releases the
 * arrays the parser allocated for repeatable options and positionals.
 */
#ifndef HERALD_CTL_OPTS_H
#define HERALD_CTL_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum ctl_opt_kind {
    CTL_OPT_FLAG = 0,  /* no value; counted */
    CTL_OPT_VALUE = 1, /* one value; a repeat is an error */
    CTL_OPT_MULTI = 2, /* repeatable; values kept in order */
};

struct ctl_opt_spec {
    const char *name; /* long name without dashes; NULL terminates a table */
    char short_name;  /* 0 = none */
    enum ctl_opt_kind kind;
    const char *metavar; /* shown in help for VALUE/MULTI */
    const char *help;
};

struct ctl_opt_value {
    int count;           /* how many times given */
    const char **values; /* VALUE: values[0]; MULTI: values[0..count-1]; FLAG: NULL */
};

#define CTL_OPTS_MAX 48

struct ctl_opts {
    const struct ctl_opt_spec *specs[CTL_OPTS_MAX]; /* flattened from all tables given */
    struct ctl_opt_value vals[CTL_OPTS_MAX];
    int nspecs;
    const char **positional;
    int npositional;
};

/*
 * Parses argv[0..argc-1] (the words after the subcommand name) against the NULL-terminated
 * spec tables in `tables` (e.g. the subcommand's own and the common ones). Returns 0, or -1
 * with a one-line reason in err. On -1 the opts are still safe to free.
 */
int ctl_opts_parse(struct ctl_opts *opts, const struct ctl_opt_spec *const *tables, int ntables,
                   int argc, char **argv, char *err, size_t errlen);

void ctl_opts_free(struct ctl_opts *opts);

/* The value of a VALUE option (or the last one of a MULTI), NULL when absent. */
const char *ctl_opts_get(const struct ctl_opts *opts, const char *name);

/* The values of a MULTI option; *count set to 0 when absent. */
const char **ctl_opts_get_all(const struct ctl_opts *opts, const char *name, int *count);

/* How many times a flag (or any option) was given. */
int ctl_opts_count(const struct ctl_opts *opts, const char *name);

#define CTL_HELP_WIDTH 100 /* help lines never get longer than this */

/* Prints the option tables as an aligned "Options:" block, descriptions word-wrapped. */
void ctl_opts_print_help(FILE *out, const struct ctl_opt_spec *const *tables, int ntables);

/* Prints text word-wrapped to CTL_HELP_WIDTH, then a newline. */
void ctl_print_paragraph(FILE *out, const char *text);

#endif
