/*
 * text_buffer.c - growable text with a sticky failure flag (see herald/text_buffer.h).
 */
#include "herald/text_buffer.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_CAPACITY 256

void text_buffer_init(struct text_buffer *b)
{
    memset(b, 0, sizeof(*b));
}

int text_buffer_reserve(struct text_buffer *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > SIZE_MAX / 4 - b->len) { /* keeps `need` and the doubling below in range */
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : FIRST_CAPACITY;
    while (cap < need)
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

void text_buffer_put(struct text_buffer *b, const void *bytes, size_t n)
{
    if (text_buffer_reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void text_buffer_puts(struct text_buffer *b, const char *s)
{
    text_buffer_put(b, s, strlen(s));
}

void text_buffer_putc(struct text_buffer *b, char c)
{
    text_buffer_put(b, &c, 1);
}

void text_buffer_printf(struct text_buffer *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (text_buffer_reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void text_buffer_clear(struct text_buffer *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *text_buffer_take(struct text_buffer *b)
{
    char *out = b->failed ? NULL : b->data;
    if (b->failed)
        free(b->data);
    else if (!out)
        out = strdup("");
    text_buffer_init(b);
    return out;
}

void text_buffer_free(struct text_buffer *b)
{
    free(b->data);
    text_buffer_init(b);
}
