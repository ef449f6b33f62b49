/*
 * json_keys.h - refuses a key a campaign definition object does not know.
 *
 * Why: a typo ("paramz", "buton") must be an error that names it, not a field silently
 * ignored; the definition's objects (campaign, template, header, buttons) check their keys
 * the same way.
 */
#ifndef HERALD_SEGMENTER_JSON_KEYS_H
#define HERALD_SEGMENTER_JSON_KEYS_H

#include <jansson.h>
#include <stddef.h>

/* 0 when every key of object `o` is in the NULL-terminated `allowed`, else -1 with
 * "<label>: unknown key '<key>'" in err. */
int json_only_keys(const json_t *o, const char *const *allowed, const char *label, char *err,
                   size_t errlen);

#endif
