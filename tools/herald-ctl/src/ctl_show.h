/*
 * ctl_show.h - the `show` commands' output: parts (one query each) printed as tables one after
 * another, or gathered into one JSON document (--json) whose keys name the parts.
 *
 * Why shared: `campaign show` and `contacts show` both print a record and then what hangs off
 * it, and both must stay usable when a part's table or view is missing (an older schema): that
 * part is null in the document and named in a note (on stderr beside JSON, so stdout always
 * parses), while the rest is still shown.
 */
#ifndef HERALD_CTL_SHOW_H
#define HERALD_CTL_SHOW_H

#include "ctl_db.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

struct ctl_show {
    json_t *doc; /* NULL: print tables; else the document being gathered (owned) */
};

/* Something the operator should know about a part: in the tables, or on stderr beside JSON. */
void ctl_show_note(const struct ctl_show *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs sql with the one parameter `param` and shows the result as part `key`: its first row as
 * field/value pairs (`vertical`, columns in `skip` left out) or every row. An empty result is
 * the note `if_empty` in tables and null ([] for rows) in JSON. Returns CTL_DB_MISSING when the
 * table or view does not exist (nothing shown), CTL_DB_ERROR with err filled. *rows (if not
 * NULL) gets the number of rows. */
enum ctl_db_status ctl_show_part(struct ctl_show *o, const char *key, PGconn *pg, const char *sql,
                                 const char *param, int vertical, const char *const *skip,
                                 const char *if_empty, int *rows, char *err, size_t errlen);

#endif
