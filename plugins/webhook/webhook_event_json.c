/*
 * webhook_event_json.c - compact JSON objects written without building a jansson tree.
 * See webhook_event_json.h for why.
 */
#include "webhook_event_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(struct json_event *w, const char *s, size_t n)
{
    text_buffer_put(&w->out, s, n);
}

static void put_char(struct json_event *w, char c)
{
    text_buffer_putc(&w->out, c);
}

/* Appends json_dumpb's output for `v`; returns the number of bytes written (0 on failure). */
static size_t put_json(struct json_event *w, const json_t *v)
{
    const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    struct text_buffer *b = &w->out;
    if (text_buffer_reserve(b, 64) != 0)
        return 0;
    size_t room = b->cap - b->len - 1;
    size_t n = json_dumpb(v, b->data + b->len, room, flags);
    if (n > room) { /* json_dumpb said how much it needs: make room and dump again */
        if (text_buffer_reserve(b, n) != 0)
            return 0;
        n = json_dumpb(v, b->data + b->len, n, flags);
    }
    if (n == 0) {
        b->failed = 1;
        return 0;
    }
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

void json_event_begin(struct json_event *w, size_t hint)
{
    memset(w, 0, sizeof(*w));
    text_buffer_init(&w->out);
    if (text_buffer_reserve(&w->out, hint) == 0)
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
    struct text_buffer *b = &w->out;
    size_t start = b->len;
    size_t n = put_json(w, str);
    if (n < 2)
        return;
    memmove(b->data + start, b->data + start + 1, n - 2);
    b->len -= 2;
    b->data[b->len] = '\0';
}

void json_event_string_end(struct json_event *w)
{
    put_char(w, '"');
}

void json_event_open(struct json_event *w)
{
    if (w->depth + 1 >= JSON_EVENT_MAX_DEPTH) {
        w->out.failed = 1;
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
    if (w->depth != 0)
        w->out.failed = 1;
    return text_buffer_take(&w->out);
}
