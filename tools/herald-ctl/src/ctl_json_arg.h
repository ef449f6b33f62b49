/*
 * ctl_json_arg.h - reads a JSON argument given inline or as "@path" (kcat/curl style), as in
 * `segment preview --audience @aud.json`, `--rule '{"attr":"city",...}'`, `--file c.json`.
 *
 * Why this exists: three options accept JSON the same way; parse errors must name the line
 * and column so the operator can fix the file. Returns a new reference the caller
 * json_decref()s.
 */
#ifndef HERALD_CTL_JSON_ARG_H
#define HERALD_CTL_JSON_ARG_H

#include <jansson.h>
#include <stddef.h>

/* "@file" loads the file, anything else is parsed as JSON text. NULL + reason on error. */
json_t *ctl_json_arg_load(const char *arg, char *err, size_t errlen);

/* Loads a file path (no '@' prefix). NULL + reason on error. */
json_t *ctl_json_file_load(const char *path, char *err, size_t errlen);

#endif
