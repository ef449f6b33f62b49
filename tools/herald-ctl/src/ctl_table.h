/*
 * ctl_table.h - aligned plain-text tables for herald-ctl output (`lists`, `campaign list`,
 * `campaign show`), in the style of psql's aligned format without the borders.
 *
 * Why this exists: several subcommands print query results; one printer keeps them uniform
 * (numeric columns right-aligned, NULL shown as "-", over-long cells cut with "...") and is
 * unit-tested on its exact output. Widths count UTF-8 code points, not bytes, so contact
 * names with umlauts line up.
 *
 * Ownership: the table copies every string it is given; ctl_table_free() releases it all.
 */
#ifndef HERALD_CTL_TABLE_H
#define HERALD_CTL_TABLE_H

#include <stdio.h>

struct ctl_table;

/* A table with `ncols` columns named by headers[0..ncols-1]. NULL on allocation failure. */
struct ctl_table *ctl_table_new(int ncols, const char *const *headers);

/* Cells longer than max_width code points are cut to max_width-3 plus "...". 0 = no limit. */
void ctl_table_set_max_width(struct ctl_table *t, int max_width);

/* Copies ncols cells (NULL = "-"). Returns 0, -1 on allocation failure. */
int ctl_table_add_row(struct ctl_table *t, const char *const *cells);

int ctl_table_rows(const struct ctl_table *t);

/* Header, a dashed rule, then the rows; columns separated by two spaces. */
void ctl_table_print(const struct ctl_table *t, FILE *out);

void ctl_table_free(struct ctl_table *t);

/* Code points in a UTF-8 string (continuation bytes not counted). */
int ctl_utf8_width(const char *s);

/* True for cells that read as numbers ("42", "-3.5", "1e3", "12.0%"). */
int ctl_looks_numeric(const char *s);

#endif
