/*
 * segment_rules.h - audience definitions compiled into parameterised SQL, and the preview.
 *
 * Why: an audience ("lists to include, lists to exclude, attribute rules combined with
 * all/any") is written by operators through the API and herald-ctl, so it is untrusted input.
 * This compiler turns it into a boolean SQL expression over the `contacts` row alias `c` in
 * which every value AND every attribute key is a $n parameter; the SQL text only ever contains
 * constant snippets chosen from a fixed table. Opted-out contacts are always excluded; phone is
 * unique in `contacts`, so each phone appears once.
 *
 * Used by the segmenter plugin (audience snapshot), the `herald-contacts preview` CLI and the
 * control API (link the static library `herald_segmenter_logic`). Format: docs/segments.md.
 *
 *   {"include_lists":[1,2], "exclude_lists":[3],
 *    "rules":{"all":[{"attr":"city","op":"eq","value":"Berlin"},
 *                    {"any":[{"op":"has_tag","value":"vip"},
 *                            {"attr":"age","op":"gte","value":30}]}]}}
 */
#ifndef HERALD_SEGMENTER_SEGMENT_RULES_H
#define HERALD_SEGMENTER_SEGMENT_RULES_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "sql_params.h"

#define SEGMENT_MAX_DEPTH               8    /* nesting of all/any/not */
#define SEGMENT_MAX_RULES               256  /* leaf rules in one audience */
#define SEGMENT_MAX_LISTS               1000 /* ids in include_lists or exclude_lists */
#define SEGMENT_MAX_TEXT                1024 /* bytes in one key or value */
#define SEGMENT_FREQUENCY_CAP_MAX_HOURS 8760 /* not_messaged_within_hours: a year */

/*
 * Compiles `audience` (a JSON object; NULL or {} = every contact that has not opted out) into
 * a boolean expression over alias `c`, appending its values to `params`. On success returns 0
 * and sets *where_sql (free() it). On invalid input returns -1 with a one-line reason in `err`
 * and appends nothing usable (free `params` anyway).
 */
int segment_compile(const json_t *audience, struct sql_params *params, char **where_sql, char *err,
                    size_t errlen);

/* Same check without keeping the SQL: 0 when `audience` is valid, else -1 and reason. */
int segment_validate(const json_t *audience, char *err, size_t errlen);

/* ---- Preview: how many contacts an audience selects, and a few of them. */
struct segment_contact {
    char *phone;
    char *name; /* NULL when the contact has no name */
};

struct segment_preview {
    long long count;
    size_t nsample;
    struct segment_contact *sample; /* ordered by contact id */
};

/* Runs the count and the sample (at most `sample_limit`, 0..1000) on `conn`. Returns 0, or -1
 * with the reason in `err` (invalid audience or a database error). */
int segment_preview_run(PGconn *conn, const json_t *audience, int sample_limit,
                        struct segment_preview *out, char *err, size_t errlen);
void segment_preview_free(struct segment_preview *p);

/* Convenience for the API: the preview as JSON text {"count":N,"sample":[{"phone":..,
 * "name":..},..]} (free() it), or NULL with `err` set. `audience_json` is the raw text. */
char *segment_preview_json(PGconn *conn, const char *audience_json, int sample_limit, char *err,
                           size_t errlen);

#endif
