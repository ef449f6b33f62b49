/*
 * ctl_result_print.c - PGresult to aligned tables; see ctl_result_print.h.
 */
#include "ctl_result_print.h"

#include "ctl_result_json.h"
#include "ctl_table.h"
#include "ctl_value_format.h"

#include <stdlib.h>
#include <string.h>

/* The cell as shown: NULL for SQL NULL, else the formatted value (in buf when reformatted). */
static const char *display(const PGresult *res, int r, int c, char *buf, size_t len)
{
    if (PQgetisnull(res, r, c))
        return NULL;
    const char *v = PQgetvalue(res, r, c);
    if (strlen(v) >= len)
        return v;
    ctl_value_format(PQftype(res, c), PQfname(res, c), v, buf, len);
    return buf;
}

void ctl_print_rows(const PGresult *res, FILE *out)
{
    int ncols = PQnfields(res);
    const char **cells = calloc((size_t)ncols, sizeof(char *));
    if (!cells)
        return;
    for (int c = 0; c < ncols; c++)
        cells[c] = PQfname(res, c);
    struct ctl_table *t = ctl_table_new(ncols, cells);
    if (t) {
        ctl_table_set_max_width(t, 60);
        char(*shown)[128] = calloc((size_t)ncols, sizeof(*shown));
        for (int r = 0; shown && r < PQntuples(res); r++) {
            for (int c = 0; c < ncols; c++)
                cells[c] = display(res, r, c, shown[c], sizeof(shown[c]));
            ctl_table_add_row(t, cells);
        }
        free(shown);
        ctl_table_print(t, out);
    }
    ctl_table_free(t);
    free(cells);
}

static int skipped(const char *name, const char *const *skip)
{
    for (; skip && *skip; skip++) {
        if (strcmp(name, *skip) == 0)
            return 1;
    }
    return 0;
}

void ctl_print_vertical(const PGresult *res, int row, const char *const *skip, FILE *out)
{
    const char *headers[] = {"field", "value"};
    struct ctl_table *t = ctl_table_new(2, headers);
    if (!t)
        return;
    ctl_table_set_max_width(t, 100);
    for (int c = 0; c < PQnfields(res); c++) {
        if (PQgetisnull(res, row, c) || skipped(PQfname(res, c), skip))
            continue;
        char buf[128];
        const char *cells[] = {PQfname(res, c), display(res, row, c, buf, sizeof(buf))};
        ctl_table_add_row(t, cells);
    }
    ctl_table_print(t, out);
    ctl_table_free(t);
}

enum ctl_output ctl_output_choose(int json, int quiet)
{
    return json ? CTL_OUTPUT_JSON : quiet ? CTL_OUTPUT_FIRST_COLUMN : CTL_OUTPUT_TABLE;
}

int ctl_print_result(const PGresult *res, enum ctl_output how, const char *if_empty, FILE *out)
{
    if (how == CTL_OUTPUT_TABLE && PQntuples(res) == 0 && if_empty) {
        fprintf(out, "%s\n", if_empty);
        return 0;
    }
    if (how == CTL_OUTPUT_JSON)
        return ctl_print_json(ctl_result_rows_json(res), out);
    if (how == CTL_OUTPUT_FIRST_COLUMN) {
        for (int r = 0; PQnfields(res) > 0 && r < PQntuples(res); r++)
            fprintf(out, "%s\n", PQgetvalue(res, r, 0));
        return ferror(out) ? -1 : 0;
    }
    ctl_print_rows(res, out);
    return 0;
}
