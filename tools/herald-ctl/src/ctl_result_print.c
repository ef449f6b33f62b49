/*
 * ctl_result_print.c - PGresult to aligned tables; see ctl_result_print.h.
 */
#include "ctl_result_print.h"

#include "ctl_table.h"

#include <stdlib.h>
#include <string.h>

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
        for (int r = 0; r < PQntuples(res); r++) {
            for (int c = 0; c < ncols; c++)
                cells[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
            ctl_table_add_row(t, cells);
        }
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
        const char *cells[] = {PQfname(res, c), PQgetvalue(res, row, c)};
        ctl_table_add_row(t, cells);
    }
    ctl_table_print(t, out);
    ctl_table_free(t);
}
