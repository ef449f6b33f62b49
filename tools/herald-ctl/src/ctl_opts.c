/*
 * ctl_opts.c - table-driven option parser; see ctl_opts.h for why it is not getopt_long.
 */
#include "ctl_opts.h"

#include <stdlib.h>
#include <string.h>

static int set_err(char *err, size_t errlen, const char *fmt, const char *a)
{
    snprintf(err, errlen, fmt, a);
    return -1;
}

static int flatten(struct ctl_opts *opts, const struct ctl_opt_spec *const *tables, int ntables,
                   char *err, size_t errlen)
{
    for (int t = 0; t < ntables; t++) {
        for (const struct ctl_opt_spec *s = tables[t]; s && s->name; s++) {
            if (opts->nspecs == CTL_OPTS_MAX)
                return set_err(err, errlen, "too many options in table (%s)", s->name);
            opts->specs[opts->nspecs++] = s;
        }
    }
    return 0;
}

static int find_long(const struct ctl_opts *opts, const char *name, size_t len)
{
    for (int i = 0; i < opts->nspecs; i++) {
        if (strlen(opts->specs[i]->name) == len && strncmp(opts->specs[i]->name, name, len) == 0)
            return i;
    }
    return -1;
}

static int find_short(const struct ctl_opts *opts, char c)
{
    for (int i = 0; i < opts->nspecs; i++) {
        if (opts->specs[i]->short_name == c)
            return i;
    }
    return -1;
}

static int push(const char ***arr, int *count, const char *value)
{
    const char **grown = realloc(*arr, sizeof(**arr) * (size_t)(*count + 1));
    if (!grown)
        return -1;
    grown[(*count)++] = value;
    *arr = grown;
    return 0;
}

static int store_value(struct ctl_opts *opts, int idx, const char *value, char *err, size_t errlen)
{
    const struct ctl_opt_spec *s = opts->specs[idx];
    struct ctl_opt_value *v = &opts->vals[idx];
    if (s->kind == CTL_OPT_VALUE && v->count > 0)
        return set_err(err, errlen, "option --%s given more than once", s->name);
    int n = v->count;
    if (push(&v->values, &n, value) != 0)
        return set_err(err, errlen, "out of memory parsing --%s", s->name);
    v->count = n;
    return 0;
}

/* Handles one option word at argv[*i]; advances *i past a separate value. */
static int parse_option(struct ctl_opts *opts, int argc, char **argv, int *i, char *err,
                        size_t errlen)
{
    const char *word = argv[*i];
    const char *inline_value = NULL;
    int idx;
    if (word[1] == '-') {
        const char *name = word + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        inline_value = eq ? eq + 1 : NULL;
        idx = find_long(opts, name, len);
        if (idx < 0)
            return set_err(err, errlen, "unknown option %s", word);
    } else {
        if (word[2] != '\0')
            return set_err(err, errlen, "unknown option %s (use --long-name=value)", word);
        idx = find_short(opts, word[1]);
        if (idx < 0)
            return set_err(err, errlen, "unknown option %s", word);
    }
    const struct ctl_opt_spec *s = opts->specs[idx];
    if (s->kind == CTL_OPT_FLAG) {
        if (inline_value)
            return set_err(err, errlen, "option --%s takes no value", s->name);
        opts->vals[idx].count++;
        return 0;
    }
    if (!inline_value) {
        if (*i + 1 >= argc)
            return set_err(err, errlen, "option --%s needs a value", s->name);
        inline_value = argv[++*i];
    }
    return store_value(opts, idx, inline_value, err, errlen);
}

int ctl_opts_parse(struct ctl_opts *opts, const struct ctl_opt_spec *const *tables, int ntables,
                   int argc, char **argv, char *err, size_t errlen)
{
    memset(opts, 0, sizeof(*opts));
    if (flatten(opts, tables, ntables, err, errlen) != 0)
        return -1;
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i];
        if (!options_done && strcmp(word, "--") == 0) {
            options_done = true;
        } else if (!options_done && word[0] == '-' && word[1] != '\0') {
            if (parse_option(opts, argc, argv, &i, err, errlen) != 0)
                return -1;
        } else if (push(&opts->positional, &opts->npositional, word) != 0) {
            return set_err(err, errlen, "out of memory at %s", word);
        }
    }
    return 0;
}

void ctl_opts_free(struct ctl_opts *opts)
{
    for (int i = 0; i < opts->nspecs; i++)
        free(opts->vals[i].values);
    free(opts->positional);
    memset(opts, 0, sizeof(*opts));
}

static int index_of(const struct ctl_opts *opts, const char *name)
{
    return find_long(opts, name, strlen(name));
}

const char *ctl_opts_get(const struct ctl_opts *opts, const char *name)
{
    int idx = index_of(opts, name);
    if (idx < 0 || opts->vals[idx].count == 0 || !opts->vals[idx].values)
        return NULL;
    return opts->vals[idx].values[opts->vals[idx].count - 1];
}

const char **ctl_opts_get_all(const struct ctl_opts *opts, const char *name, int *count)
{
    int idx = index_of(opts, name);
    *count = idx < 0 ? 0 : opts->vals[idx].count;
    return idx < 0 ? NULL : opts->vals[idx].values;
}

int ctl_opts_count(const struct ctl_opts *opts, const char *name)
{
    int idx = index_of(opts, name);
    return idx < 0 ? 0 : opts->vals[idx].count;
}

/* Prints text word-wrapped to CTL_HELP_WIDTH columns, continuation lines indented. */
static void print_wrapped(FILE *out, const char *text, int col, int indent)
{
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + (int)word > CTL_HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, word, out);
        col += (int)word;
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

void ctl_opts_print_help(FILE *out, const struct ctl_opt_spec *const *tables, int ntables)
{
    fprintf(out, "Options:\n");
    for (int t = 0; t < ntables; t++) {
        for (const struct ctl_opt_spec *s = tables[t]; s && s->name; s++) {
            char left[64], help[512];
            const char *meta = s->kind == CTL_OPT_FLAG ? "" : (s->metavar ? s->metavar : "VALUE");
            if (s->short_name)
                snprintf(left, sizeof(left), "-%c, --%s%s%s", s->short_name, s->name,
                         *meta ? " " : "", meta);
            else
                snprintf(left, sizeof(left), "    --%s%s%s", s->name, *meta ? " " : "", meta);
            snprintf(help, sizeof(help), "%s%s", s->help,
                     s->kind == CTL_OPT_MULTI ? " (repeatable)" : "");
            fprintf(out, "  %-30s ", left);
            print_wrapped(out, help, 33, 33);
        }
    }
}

void ctl_print_paragraph(FILE *out, const char *text)
{
    print_wrapped(out, text, 0, 0);
}
