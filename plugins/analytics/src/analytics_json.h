/*
 * analytics_json.h - strict, bounded field readers for the JSON the analytics stage consumes.
 *
 * Why: every consumed payload is untrusted. A bad value must become a clear error for that one
 * message, never a failed SQL batch (which would be retried forever), so ids, times and codes
 * are range-checked here and strings are copied into fixed buffers: identifiers that do not fit
 * are rejected, free text is cut at a UTF-8 character boundary.
 */
#ifndef HERALD_ANALYTICS_JSON_H
#define HERALD_ANALYTICS_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Earliest and latest accepted event time: 2000-01-01 .. 2999-12-31 (Unix ms). */
#define ANALYTICS_MIN_TS_MS 946684800000LL
#define ANALYTICS_MAX_TS_MS 32503593600000LL

/* Results of the readers below: the field was absent (or JSON null), read, or invalid. */
enum { ANALYTICS_FIELD_ABSENT = 0, ANALYTICS_FIELD_OK = 1, ANALYTICS_FIELD_INVALID = -1 };

/* A positive integer id, given as a JSON integer or a decimal string ("42"). */
int analytics_json_id(const json_t *obj, const char *key, int64_t *out);
/* A Unix-millisecond time within the accepted range. */
int analytics_json_ms(const json_t *obj, const char *key, int64_t *out);
/* A 32-bit integer (error codes). */
int analytics_json_int32(const json_t *obj, const char *key, int32_t *out);
/* An identifier string that must fit in buf (cap bytes with the NUL) and be non-empty. */
int analytics_json_ident(const json_t *obj, const char *key, char *buf, size_t cap);
/* Free text copied into buf, cut at a character boundary if it does not fit. */
int analytics_json_text(const json_t *obj, const char *key, char *buf, size_t cap);

/* Copy src into buf (cap >= 1), cutting at a UTF-8 character boundary. */
void analytics_utf8_copy(char *buf, size_t cap, const char *src, size_t len);

#endif
