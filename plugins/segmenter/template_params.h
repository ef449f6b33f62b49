/*
 * template_params.h - the campaign's template parameter mapping ({{1}}..{{n}} -> contact
 * fields), validated and compiled into an SQL expression for the audience snapshot.
 *
 * Why: parameters are rendered once, when the snapshot is taken, so a running campaign does
 * not change when contacts are edited and the dispatcher gets ready-to-send values. Mapping
 * entries: "name", "phone", "attributes.<key>" or "=<literal text>". Keys and literals travel as
 * $n parameters. A missing name/attribute renders as "".
 */
#ifndef HERALD_SEGMENTER_TEMPLATE_PARAMS_H
#define HERALD_SEGMENTER_TEMPLATE_PARAMS_H

#include <jansson.h>
#include <stddef.h>

#include "sql_params.h"

#define TEMPLATE_MAX_PARAMS 32

/* 0 when `mapping` is a valid array of entries, else -1 with a reason. */
int template_params_validate(const json_t *mapping, char *err, size_t errlen);

/* Expression of type jsonb over contacts alias `c`, e.g. jsonb_build_array(coalesce(c.name,
 * '')). Returns 0 and *expr (free() it), or -1 with a reason. */
int template_params_sql(const json_t *mapping, struct sql_params *params, char **expr, char *err,
                        size_t errlen);

#endif
