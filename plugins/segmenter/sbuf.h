/*
 * sbuf.h - a growable text buffer for assembling SQL fragments and reports.
 *
 * Why: the segment compiler and the job emitter build text of unknown length; a tiny buffer
 * with a sticky failure flag keeps every call site free of per-append error checks. Only
 * constant SQL text and parameter *numbers* are ever appended to SQL buffers, never values.
 */
#ifndef HERALD_SEGMENTER_SBUF_H
#define HERALD_SEGMENTER_SBUF_H

#include <stddef.h>

struct sbuf {
    char *data; /* NUL-terminated once anything was appended; owned */
    size_t len;
    size_t cap;
    int failed; /* set on allocation failure; later appends are ignored */
};

void sbuf_init(struct sbuf *b);
void sbuf_append(struct sbuf *b, const char *text);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the text to the caller (free() it); NULL when an allocation failed. Resets b. */
char *sbuf_take(struct sbuf *b);
void sbuf_free(struct sbuf *b);

#endif
