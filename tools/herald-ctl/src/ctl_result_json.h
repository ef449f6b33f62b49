/*
 * ctl_result_json.h - PostgreSQL results as JSON for `--json` (`lists`, `campaign list`,
 * `campaign show`): one document on stdout for jq and scripts, the way `kcat -J` serves them.
 *
 * Why typed values: a script should not parse "4000" or "t". Column types decide: integers and
 * numerics become JSON numbers (a numeric JSON cannot hold, NaN or Infinity, stays a string),
 * booleans true/false, json/jsonb the embedded document, timestamps RFC 3339 strings
 * ("2026-11-25T20:15:25.5+00:00"), SQL NULL null, everything else a string. Keys are the
 * column names.
 *
 * Ownership: every function returns a new reference the caller owns (json_decref), or NULL on
 * allocation failure; ctl_print_json takes the reference it is given.
 */
#ifndef HERALD_CTL_RESULT_JSON_H
#define HERALD_CTL_RESULT_JSON_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>

/* One value of the result, typed by its column's type. */
json_t *ctl_result_value_json(const PGresult *res, int row, int col);

/* Row `row` as an object; columns named in `skip` (NULL-terminated, may be NULL) left out. */
json_t *ctl_result_row_json(const PGresult *res, int row, const char *const *skip);

/* Every row, as an array of objects. */
json_t *ctl_result_rows_json(const PGresult *res);

/* Prints doc indented, with a final newline, and releases it. 0, or -1 if doc is NULL or
 * could not be written. */
int ctl_print_json(json_t *doc, FILE *out);

#endif
