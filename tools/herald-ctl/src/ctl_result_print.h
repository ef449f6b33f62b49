/*
 * ctl_result_print.h - prints PostgreSQL results through ctl_table: as rows (lists, campaign
 * list, failures) or one row as "field / value" pairs (campaign definition, analytics).
 *
 * Why this exists: the analytics views are defined by another stage and may gain columns;
 * printing whatever columns a SELECT * returns keeps herald-ctl correct without changes.
 */
#ifndef HERALD_CTL_RESULT_PRINT_H
#define HERALD_CTL_RESULT_PRINT_H

#include <libpq-fe.h>
#include <stdio.h>

/* How a read command prints its rows: aligned table; one JSON array (--json); or the first
 * column alone, one value per line (--quiet: the ids, for shell loops). */
enum ctl_output { CTL_OUTPUT_TABLE, CTL_OUTPUT_JSON, CTL_OUTPUT_FIRST_COLUMN };

/* --json wins over --quiet. */
enum ctl_output ctl_output_choose(int json, int quiet);

/* Rows as `how` says; a table with no rows is the line `if_empty` instead (when not NULL).
 * 0, or -1 when the output could not be built or written. */
int ctl_print_result(const PGresult *res, enum ctl_output how, const char *if_empty, FILE *out);

/* Every row and column; NULL shown as "-". */
void ctl_print_rows(const PGresult *res, FILE *out);

/* Row `row` as a two-column table; columns named in `skip` (NULL-terminated, may be NULL)
 * and NULL values are left out. */
void ctl_print_vertical(const PGresult *res, int row, const char *const *skip, FILE *out);

#endif
