/*
 * analytics_copy.h - rows for PostgreSQL `COPY ... FROM STDIN` (text format).
 *
 * Why: COPY is the fastest way to hand a whole Kafka batch to PostgreSQL as data, never as SQL
 * text. The text format needs backslash, tab, newline and carriage return escaped and NULL
 * written as \N; this buffer does exactly that and nothing else. The buffer owns its memory.
 */
#ifndef HERALD_ANALYTICS_COPY_H
#define HERALD_ANALYTICS_COPY_H

#include <herald/text_buffer.h>
#include <stddef.h>
#include <stdint.h>

struct analytics_copybuf {
    struct text_buffer text; /* the rows; text.failed: an allocation failed, unusable */
    size_t rows;
    int row_open; /* a field was written on the current row: next field needs a tab */
};

void analytics_copybuf_init(struct analytics_copybuf *b);
void analytics_copybuf_free(struct analytics_copybuf *b);
/* Forget the rows, keep the memory. */
void analytics_copybuf_reset(struct analytics_copybuf *b);

/* Fields of the current row, left to right. A NULL string is written as SQL NULL. */
void analytics_copybuf_text(struct analytics_copybuf *b, const char *s);
/* present == 0 writes SQL NULL. */
void analytics_copybuf_int(struct analytics_copybuf *b, int64_t v, int present);
void analytics_copybuf_null(struct analytics_copybuf *b);
void analytics_copybuf_end_row(struct analytics_copybuf *b);

#endif
