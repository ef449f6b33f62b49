/*
 * dispatcher_pg_array.c - growable buffer producing array literals in PostgreSQL's input
 * syntax: elements separated by ',', text elements always quoted so that commas, braces,
 * spaces and the word NULL inside a value stay data.
 */
#include "dispatcher_pg_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(struct text_buffer *s, const char *p, size_t n)
{
    text_buffer_put(s, p, n);
}

static void sep(struct text_buffer *s)
{
    if (s->len > 1)
        put(s, ",", 1);
}

void disp_array_begin(struct text_buffer *s)
{
    text_buffer_clear(s);
    put(s, "{", 1);
}

void disp_array_add_int(struct text_buffer *s, int64_t v)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    sep(s);
    put(s, num, (size_t)n);
}

void disp_array_add_text(struct text_buffer *s, const char *v)
{
    sep(s);
    if (!v) {
        put(s, "NULL", 4);
        return;
    }
    put(s, "\"", 1);
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            put(s, "\\", 1);
        put(s, p, 1);
    }
    put(s, "\"", 1);
}

const char *disp_array_end(struct text_buffer *s)
{
    put(s, "}", 1);
    return s->failed ? NULL : s->data;
}
