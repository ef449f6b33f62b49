/*
 * ctl_table.c - aligned text tables; see ctl_table.h.
 */
#include "ctl_table.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct ctl_table {
    int ncols;
    int max_width;
    char **headers;
    char **cells; /* nrows * ncols, row-major */
    int nrows;
    int cap_rows;
};

static char *dup_or_dash(const char *s)
{
    return strdup(s ? s : "-");
}

struct ctl_table *ctl_table_new(int ncols, const char *const *headers)
{
    struct ctl_table *t = calloc(1, sizeof(*t));
    if (!t || ncols <= 0)
        goto fail;
    t->ncols = ncols;
    t->headers = calloc((size_t)ncols, sizeof(char *));
    if (!t->headers)
        goto fail;
    for (int c = 0; c < ncols; c++) {
        if (!(t->headers[c] = dup_or_dash(headers[c])))
            goto fail;
    }
    return t;
fail:
    ctl_table_free(t);
    return NULL;
}

void ctl_table_set_max_width(struct ctl_table *t, int max_width)
{
    t->max_width = max_width < 4 && max_width != 0 ? 4 : max_width;
}

int ctl_table_add_row(struct ctl_table *t, const char *const *cells)
{
    if (t->nrows == t->cap_rows) {
        int cap = t->cap_rows ? t->cap_rows * 2 : 16;
        char **grown = realloc(t->cells, sizeof(char *) * (size_t)cap * (size_t)t->ncols);
        if (!grown)
            return -1;
        t->cells = grown;
        t->cap_rows = cap;
    }
    char **row = t->cells + (size_t)t->nrows * (size_t)t->ncols;
    for (int c = 0; c < t->ncols; c++) {
        if (!(row[c] = dup_or_dash(cells[c]))) {
            while (c-- > 0)
                free(row[c]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

int ctl_table_rows(const struct ctl_table *t)
{
    return t->nrows;
}

int ctl_utf8_width(const char *s)
{
    int n = 0;
    for (; *s; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    }
    return n;
}

int ctl_looks_numeric(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1])))
        return 0;
    char *end;
    strtod(s, &end);
    return *end == '\0' || (end[0] == '%' && end[1] == '\0');
}

static const char *cell(const struct ctl_table *t, int r, int c)
{
    return t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
}

static int shown_width(const struct ctl_table *t, const char *s)
{
    int w = ctl_utf8_width(s);
    return t->max_width && w > t->max_width ? t->max_width : w;
}

/* Prints s padded to width; cut with "..." when longer than max_width. */
static void print_cell(const struct ctl_table *t, FILE *out, const char *s, int width, int right,
                       int last)
{
    int w = ctl_utf8_width(s);
    int cut = t->max_width && w > t->max_width;
    int shown = cut ? t->max_width : w;
    int pad = width - shown;
    if (right)
        fprintf(out, "%*s", pad, "");
    if (cut) {
        int keep = t->max_width - 3, n = 0;
        const char *p = s;
        while (*p && !(n == keep && ((unsigned char)*p & 0xC0) != 0x80)) {
            if (((unsigned char)*p & 0xC0) != 0x80)
                n++;
            fputc(*p++, out);
        }
        fputs("...", out);
    } else {
        fputs(s, out);
    }
    if (!right && !last)
        fprintf(out, "%*s", pad, "");
}

static int column_is_numeric(const struct ctl_table *t, int c)
{
    int numbers = 0;
    for (int r = 0; r < t->nrows; r++) {
        const char *s = cell(t, r, c);
        if (strcmp(s, "-") == 0)
            continue;
        if (!ctl_looks_numeric(s))
            return 0;
        numbers++;
    }
    return numbers > 0;
}

void ctl_table_print(const struct ctl_table *t, FILE *out)
{
    int widths[t->ncols], right[t->ncols];
    for (int c = 0; c < t->ncols; c++) {
        widths[c] = shown_width(t, t->headers[c]);
        for (int r = 0; r < t->nrows; r++) {
            int w = shown_width(t, cell(t, r, c));
            widths[c] = w > widths[c] ? w : widths[c];
        }
        right[c] = column_is_numeric(t, c);
    }
    for (int c = 0; c < t->ncols; c++) {
        fputs(c ? "  " : "", out);
        print_cell(t, out, t->headers[c], widths[c], right[c], c == t->ncols - 1);
    }
    fputc('\n', out);
    for (int c = 0; c < t->ncols; c++) {
        fputs(c ? "  " : "", out);
        for (int i = 0; i < widths[c]; i++)
            fputc('-', out);
    }
    fputc('\n', out);
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            fputs(c ? "  " : "", out);
            print_cell(t, out, cell(t, r, c), widths[c], right[c], c == t->ncols - 1);
        }
        fputc('\n', out);
    }
}

void ctl_table_free(struct ctl_table *t)
{
    if (!t)
        return;
    for (int c = 0; t->headers && c < t->ncols; c++)
        free(t->headers[c]);
    free(t->headers);
    for (size_t i = 0; i < (size_t)t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
