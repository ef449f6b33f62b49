/*
 * sbuf.c - growable text buffer (see sbuf.h for why).
 */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *b)
{
    memset(b, 0, sizeof(*b));
}

static int sbuf_reserve(struct sbuf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->failed = 1;
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

void sbuf_append(struct sbuf *b, const char *text)
{
    size_t n = strlen(text);
    if (sbuf_reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, text, n + 1);
    b->len += n;
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (sbuf_reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *sbuf_take(struct sbuf *b)
{
    char *out = b->failed ? NULL : b->data;
    if (b->failed)
        free(b->data);
    else if (!out)
        out = strdup("");
    sbuf_init(b);
    return out;
}

void sbuf_free(struct sbuf *b)
{
    free(b->data);
    sbuf_init(b);
}
