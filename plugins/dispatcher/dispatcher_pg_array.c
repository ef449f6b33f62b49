/*
 * dispatcher_pg_array.c - growable buffer producing array literals in PostgreSQL's input
 * syntax: elements separated by ',', text elements always quoted so that commas, braces,
 * spaces and the word NULL inside a value stay data.
 */
#include "dispatcher_pg_array.h"

#include <stdio.h>

static void sep(struct text_buffer *s)
{
    if (s->len > 1)
        text_buffer_putc(s, ',');
}

void disp_array_begin(struct text_buffer *s)
{
    text_buffer_clear(s);
    text_buffer_putc(s, '{');
}

void disp_array_add_int(struct text_buffer *s, int64_t v)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    sep(s);
    text_buffer_put(s, num, (size_t)n);
}

void disp_array_add_text(struct text_buffer *s, const char *v)
{
    sep(s);
    if (!v) {
        text_buffer_put(s, "NULL", 4);
        return;
    }
    text_buffer_putc(s, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            text_buffer_putc(s, '\\');
        text_buffer_putc(s, *p);
    }
    text_buffer_putc(s, '"');
}

const char *disp_array_end(struct text_buffer *s)
{
    text_buffer_putc(s, '}');
    return s->failed ? NULL : s->data;
}
