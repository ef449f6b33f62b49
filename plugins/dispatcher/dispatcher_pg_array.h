/*
 * dispatcher_pg_array.h - PostgreSQL array literals ('{1,2,3}', '{"a","b"}') passed as ONE
 * bound parameter, so a batch of claims or resolutions is one parameterised statement
 * (`... FROM unnest($1::bigint[], $2::text[])`), never SQL built from values.
 */
#ifndef HERALD_DISPATCHER_PG_ARRAY_H
#define HERALD_DISPATCHER_PG_ARRAY_H

#include <stddef.h>
#include <stdint.h>

struct disp_strbuf {
    char *buf;
    size_t len, cap;
    int oom;
};

void disp_array_begin(struct disp_strbuf *s);
void disp_array_add_int(struct disp_strbuf *s, int64_t v);
/* NULL adds SQL NULL; otherwise the text is double-quoted with '"' and '\' escaped. */
void disp_array_add_text(struct disp_strbuf *s, const char *v);
/* Returns the NUL-terminated literal (owned by s) or NULL on out of memory. */
const char *disp_array_end(struct disp_strbuf *s);
void disp_strbuf_free(struct disp_strbuf *s);

#endif
