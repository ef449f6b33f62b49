/*
 * ctl_show.c - parts of a `show` command as tables or one JSON document (see the header).
 */
#include "ctl_show.h"

#include "ctl_result_json.h"
#include "ctl_result_print.h"

#include <stdarg.h>
#include <stdio.h>

void ctl_show_note(const struct ctl_show *o, const char *fmt, ...)
{
    FILE *out = o->doc ? stderr : stdout;
    va_list ap;
    va_start(ap, fmt);
    fputs(o->doc ? "note: " : "  (", out);
    vfprintf(out, fmt, ap);
    fputs(o->doc ? "\n" : ")\n", out);
    va_end(ap);
}

enum ctl_db_status ctl_show_part(struct ctl_show *o, const char *key, PGconn *pg, const char *sql,
                                 const char *param, int vertical, const char *const *skip,
                                 const char *if_empty, int *rows, char *err, size_t errlen)
{
    const char *params[] = {param};
    PGresult *res;
    enum ctl_db_status st = ctl_db_query(pg, sql, 1, params, &res, err, errlen);
    if (st != CTL_DB_OK)
        return st;
    int n = PQntuples(res);
    if (rows)
        *rows = n;
    if (o->doc) {
        json_t *v = !vertical ? ctl_result_rows_json(res)
                    : n > 0   ? ctl_result_row_json(res, 0, skip)
                              : json_null();
        json_object_set_new(o->doc, key, v ? v : json_null());
    } else if (n == 0) {
        ctl_show_note(o, "%s", if_empty);
    } else if (vertical) {
        ctl_print_vertical(res, 0, skip, stdout);
    } else {
        ctl_print_rows(res, stdout);
    }
    PQclear(res);
    return CTL_DB_OK;
}
