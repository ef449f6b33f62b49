/*
 * snapshot_sql.h - the one INSERT ... SELECT that freezes a campaign's audience.
 *
 * Why a separate, pure builder: the plugin's start path and the expansion benchmark must run
 * the very same statement, and its shape (parameter numbering, no values in the text) is
 * unit-tested without a database.
 */
#ifndef HERALD_SEGMENTER_SNAPSHOT_SQL_H
#define HERALD_SEGMENTER_SNAPSHOT_SQL_H

#include <jansson.h>
#include <stddef.h>

#include "sql_params.h"

/* The statement takes $1 = campaign id; `params` must start at 2 and receives the audience's
 * and the template mapping's values. Returns the SQL (free() it) or NULL with a reason. */
char *snapshot_sql(const json_t *audience, const json_t *mapping, struct sql_params *params,
                   char *err, size_t errlen);

#endif
