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

#define TEMPLATE_MAX_PARAMS 32 /* body parameters */
/* every rendered value: the body's, the header's text and one per button (at most 10) */
#define TEMPLATE_MAX_VALUES (TEMPLATE_MAX_PARAMS + 11)

/* 1 when s is one mapping entry: "name", "phone", "attributes.<key>" or "=<literal>". */
int template_param_entry_valid(const char *s);

/* 0 when `mapping` is a valid array of at most TEMPLATE_MAX_PARAMS entries, else -1 with a
 * reason. */
int template_params_validate(const json_t *mapping, char *err, size_t errlen);

/* Expression of type jsonb over contacts alias `c`, e.g. jsonb_build_array(coalesce(c.name,
 * '')), for up to TEMPLATE_MAX_VALUES entries (the body's mapping followed by the header's and
 * the buttons', template_components.h). Returns 0 and *expr (free() it), or -1 with a reason. */
int template_params_sql(const json_t *mapping, struct sql_params *params, char **expr, char *err,
                        size_t errlen);

#endif
