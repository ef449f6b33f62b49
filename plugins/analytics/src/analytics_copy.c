/*
 * analytics_copy.c - COPY text-format encoding (see the header).
 */
#include "analytics_copy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void analytics_copybuf_init(struct analytics_copybuf *b)
{
    memset(b, 0, sizeof *b);
    text_buffer_init(&b->text);
}

void analytics_copybuf_free(struct analytics_copybuf *b)
{
    text_buffer_free(&b->text);
    analytics_copybuf_init(b);
}

void analytics_copybuf_reset(struct analytics_copybuf *b)
{
    text_buffer_clear(&b->text);
    b->rows = 0;
    b->row_open = 0;
}

static void put(struct analytics_copybuf *b, const char *s, size_t n)
{
    text_buffer_put(&b->text, s, n);
}

static void separator(struct analytics_copybuf *b)
{
    if (b->row_open)
        put(b, "\t", 1);
    b->row_open = 1;
}

void analytics_copybuf_null(struct analytics_copybuf *b)
{
    separator(b);
    put(b, "\\N", 2);
}

void analytics_copybuf_text(struct analytics_copybuf *b, const char *s)
{
    if (!s) {
        analytics_copybuf_null(b);
        return;
    }
    separator(b);
    size_t n = strlen(s);
    /* Worst case every byte doubles. */
    struct text_buffer *t = &b->text;
    if (text_buffer_reserve(t, 2 * n) != 0)
        return;
    char *out = t->data + t->len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
        case '\\':
            *out++ = '\\';
            *out++ = '\\';
            break;
        case '\t':
            *out++ = '\\';
            *out++ = 't';
            break;
        case '\n':
            *out++ = '\\';
            *out++ = 'n';
            break;
        case '\r':
            *out++ = '\\';
            *out++ = 'r';
            break;
        default:
            *out++ = c;
            break;
        }
    }
    *out = '\0';
    t->len = (size_t)(out - t->data);
}

void analytics_copybuf_int(struct analytics_copybuf *b, int64_t v, int present)
{
    if (!present) {
        analytics_copybuf_null(b);
        return;
    }
    separator(b);
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    put(b, tmp, (size_t)n);
}

void analytics_copybuf_end_row(struct analytics_copybuf *b)
{
    put(b, "\n", 1);
    b->row_open = 0;
    b->rows++;
}
