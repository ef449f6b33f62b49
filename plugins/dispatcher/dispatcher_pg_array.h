/*
 * dispatcher_pg_array.h - PostgreSQL array literals ('{1,2,3}', '{"a","b"}') passed as ONE
 * bound parameter, so a batch of claims or resolutions is one parameterised statement
 * (`... FROM unnest($1::bigint[], $2::text[])`), never SQL built from values.
 */
#ifndef HERALD_DISPATCHER_PG_ARRAY_H
#define HERALD_DISPATCHER_PG_ARRAY_H

#include <herald/text_buffer.h>
#include <stddef.h>
#include <stdint.h>

void disp_array_begin(struct text_buffer *s);
void disp_array_add_int(struct text_buffer *s, int64_t v);
/* NULL adds SQL NULL; otherwise the text is double-quoted with '"' and '\' escaped. */
void disp_array_add_text(struct text_buffer *s, const char *v);
/* Returns the NUL-terminated literal (owned by s, free it with text_buffer_free) or NULL on
 * out of memory. */
const char *disp_array_end(struct text_buffer *s);

#endif
