/*
 * dispatcher_pg_array.c - growable buffer producing array literals in PostgreSQL's input
 * syntax: elements separated by ',', text elements always quoted so that commas, braces,
 * spaces and the word NULL inside a value stay data.
 */
#include "dispatcher_pg_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(struct disp_strbuf *s, const char *p, size_t n)
{
    if (s->oom)
        return;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b) {
            s->oom = 1;
            return;
        }
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static void sep(struct disp_strbuf *s)
{
    if (s->len > 1)
        put(s, ",", 1);
}

void disp_array_begin(struct disp_strbuf *s)
{
    s->len = 0;
    s->oom = 0;
    put(s, "{", 1);
}

void disp_array_add_int(struct disp_strbuf *s, int64_t v)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    sep(s);
    put(s, num, (size_t)n);
}

void disp_array_add_text(struct disp_strbuf *s, const char *v)
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

const char *disp_array_end(struct disp_strbuf *s)
{
    put(s, "}", 1);
    return s->oom ? NULL : s->buf;
}

void disp_strbuf_free(struct disp_strbuf *s)
{
    free(s->buf);
    *s = (struct disp_strbuf){0};
}
