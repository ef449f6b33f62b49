/*
 * text_buffer.h - a growable, always NUL-terminated byte buffer with a sticky failure flag.
 *
 * Why: the plugins assemble text of unknown length (SQL fragments, COPY rows, PostgreSQL
 * array literals, event JSON). With the failure flag every call site appends without
 * checking, and the one check happens when the text is taken. It is a static library linked
 * into each plugin (like Fluent Bit's flb_sds), not part of the host ABI.
 *
 * Ownership: `data` belongs to the buffer until text_buffer_take hands it to the caller.
 */
#ifndef HERALD_TEXT_BUFFER_H
#define HERALD_TEXT_BUFFER_H

#include <stddef.h>

struct text_buffer {
    char *data; /* NUL-terminated once anything was appended (NULL before); owned */
    size_t len;
    size_t cap;
    int failed; /* memory ran out: later appends are ignored, take returns NULL */
};

void text_buffer_init(struct text_buffer *b);
/* Room for `extra` more bytes plus the NUL. 0, or -1 with `failed` set. */
int text_buffer_reserve(struct text_buffer *b, size_t extra);
void text_buffer_put(struct text_buffer *b, const void *bytes, size_t n);
void text_buffer_puts(struct text_buffer *b, const char *s);
void text_buffer_putc(struct text_buffer *b, char c);
void text_buffer_printf(struct text_buffer *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Forgets the contents and a failure, keeps the memory for reuse. */
void text_buffer_clear(struct text_buffer *b);
/* Hands the text to the caller (free() it): "" when nothing was appended, NULL when memory
 * ran out at any point. Leaves the buffer empty. */
char *text_buffer_take(struct text_buffer *b);
void text_buffer_free(struct text_buffer *b);

#endif
