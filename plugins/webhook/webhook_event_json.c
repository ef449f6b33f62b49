/*
 * webhook_event_json.c - compact JSON objects written without building a jansson tree.
 * See webhook_event_json.h for why.
 */
#include "webhook_event_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for `n` more bytes plus the final NUL; marks the writer failed when it cannot. */
static int reserve(struct json_event *w, size_t n)
{
    if (w->failed)
        return -1;
    if (w->len + n + 1 <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n + 1) {
        if (cap > SIZE_MAX / 2) {
            w->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = 1;
        return -1;
    }
    w->buf = b;
    w->cap = cap;
    return 0;
}

static void put(struct json_event *w, const char *s, size_t n)
{
    if (reserve(w, n) == 0) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static void put_char(struct json_event *w, char c)
{
    put(w, &c, 1);
}

/* Appends json_dumpb's output for `v`; returns the number of bytes written (0 on failure). */
static size_t put_json(struct json_event *w, const json_t *v)
{
    const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    if (reserve(w, 0) != 0)
        return 0;
    size_t room = w->cap - w->len - 1;
    size_t n = json_dumpb(v, w->buf + w->len, room, flags);
    if (n > room) { /* json_dumpb said how much it needs: make room and dump again */
        if (reserve(w, n) != 0)
            return 0;
        n = json_dumpb(v, w->buf + w->len, n, flags);
    }
    if (n == 0) {
        w->failed = 1;
        return 0;
    }
    w->len += n;
    return n;
}

void json_event_begin(struct json_event *w, size_t hint)
{
    memset(w, 0, sizeof(*w));
    if (reserve(w, hint ? hint : 256) == 0)
        put_char(w, '{');
}

void json_event_key(struct json_event *w, const char *key)
{
    if (w->has_field[w->depth])
        put_char(w, ',');
    w->has_field[w->depth] = 1;
    put_char(w, '"');
    put(w, key, strlen(key));
    put(w, "\":", 2);
}

void json_event_value(struct json_event *w, const json_t *v)
{
    if (!v)
        json_event_null(w);
    else
        put_json(w, v);
}

void json_event_int(struct json_event *w, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    put(w, num, (size_t)n);
}

void json_event_null(struct json_event *w)
{
    put(w, "null", 4);
}

void json_event_string_begin(struct json_event *w)
{
    put_char(w, '"');
}

void json_event_string_literal(struct json_event *w, const char *s)
{
    put(w, s, strlen(s));
}

void json_event_string_part(struct json_event *w, const json_t *str)
{
    if (!json_is_string(str))
        return;
    /* dump the string with its quotes, then drop them: jansson did the escaping */
    size_t start = w->len;
    size_t n = put_json(w, str);
    if (n < 2)
        return;
    memmove(w->buf + start, w->buf + start + 1, n - 2);
    w->len -= 2;
}

void json_event_string_end(struct json_event *w)
{
    put_char(w, '"');
}

void json_event_open(struct json_event *w)
{
    if (w->depth + 1 >= JSON_EVENT_MAX_DEPTH) {
        w->failed = 1;
        return;
    }
    put_char(w, '{');
    w->has_field[++w->depth] = 0;
}

void json_event_close(struct json_event *w)
{
    if (w->depth > 0)
        w->depth--;
    put_char(w, '}');
}

char *json_event_finish(struct json_event *w)
{
    put_char(w, '}');
    if (w->failed || w->depth != 0) {
        free(w->buf);
        memset(w, 0, sizeof(*w));
        return NULL;
    }
    w->buf[w->len] = '\0';
    char *text = w->buf;
    w->buf = NULL;
    return text;
}
