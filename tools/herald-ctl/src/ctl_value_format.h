/*
 * ctl_value_format.h - how one PostgreSQL value is shown in herald-ctl's tables.
 *
 * Why this exists: the analytics views return doubles such as 0.953333333 and timestamps with
 * microseconds; an operator wants "95.3%", "13.25" and "2026-11-25 20:15:25+00". The rules
 * depend only on the column's type and name, so they are a pure, unit-tested function and
 * work for columns added to the views later.
 */
#ifndef HERALD_CTL_VALUE_FORMAT_H
#define HERALD_CTL_VALUE_FORMAT_H

#include <stddef.h>

#include "ctl_pg_oids.h"

/*
 * Writes the display form of `text` (a value of type `oid` in column `name`) into out:
 * floating values to at most two decimals (three below 1), "<x>_rate" columns as percent,
 * timestamps without fractional seconds; anything else unchanged.
 */
void ctl_value_format(unsigned int oid, const char *name, const char *text, char *out, size_t len);

#endif
