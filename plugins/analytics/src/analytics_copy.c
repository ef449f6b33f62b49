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
}

void analytics_copybuf_free(struct analytics_copybuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void analytics_copybuf_reset(struct analytics_copybuf *b)
{
    b->len = 0;
    b->rows = 0;
    b->row_open = 0;
    b->failed = 0;
}

static int reserve(struct analytics_copybuf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

static void put(struct analytics_copybuf *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
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
    if (reserve(b, 2 * n) != 0)
        return;
    char *out = b->data + b->len;
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
    b->len = (size_t)(out - b->data);
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
