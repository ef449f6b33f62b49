/*
 * json_writer.c - compact JSON written without building a jansson tree.
 * See herald/json_writer.h for why.
 */
#include <herald/json_writer.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The comma before every item of an object or array but its first. */
static void separate(struct json_writer *w)
{
    if (w->has_item[w->depth])
        text_buffer_putc(&w->out, ',');
    w->has_item[w->depth] = 1;
}

/* Before every value: in an object the key already separated it, in an array it separates. */
static void item(struct json_writer *w)
{
    if (w->in_array[w->depth])
        separate(w);
}

/* Appends json_dumpb's output for `v`; returns the number of bytes written (0 on failure). */
static size_t put_json(struct json_writer *w, const json_t *v)
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

void json_writer_begin(struct json_writer *w, size_t hint)
{
    memset(w, 0, sizeof(*w));
    text_buffer_init(&w->out);
    if (text_buffer_reserve(&w->out, hint) == 0)
        text_buffer_putc(&w->out, '{');
}

void json_writer_key(struct json_writer *w, const char *key)
{
    separate(w);
    text_buffer_putc(&w->out, '"');
    text_buffer_puts(&w->out, key);
    text_buffer_put(&w->out, "\":", 2);
}

void json_writer_value(struct json_writer *w, const json_t *v)
{
    if (!v) {
        json_writer_null(w);
        return;
    }
    item(w);
    put_json(w, v);
}

/* 1 when JSON writes `s` exactly as it is: printable ASCII without '"' and '\\'. */
static int needs_no_escaping(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
            return 0;
    return 1;
}

void json_writer_cstring(struct json_writer *w, const char *s)
{
    if (!s) {
        json_writer_null(w);
        return;
    }
    if (needs_no_escaping(s)) {
        json_writer_literal(w, s);
        return;
    }
    json_t *str = json_string(s); /* NULL when s is not UTF-8 */
    if (!str) {
        w->out.failed = 1;
        return;
    }
    item(w);
    put_json(w, str);
    json_decref(str);
}

void json_writer_literal(struct json_writer *w, const char *s)
{
    item(w);
    text_buffer_putc(&w->out, '"');
    text_buffer_puts(&w->out, s);
    text_buffer_putc(&w->out, '"');
}

void json_writer_int(struct json_writer *w, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    item(w);
    text_buffer_put(&w->out, num, (size_t)n);
}

void json_writer_null(struct json_writer *w)
{
    item(w);
    text_buffer_put(&w->out, "null", 4);
}

void json_writer_string_begin(struct json_writer *w)
{
    item(w);
    text_buffer_putc(&w->out, '"');
}

void json_writer_string_literal(struct json_writer *w, const char *s)
{
    text_buffer_puts(&w->out, s);
}

void json_writer_string_part(struct json_writer *w, const json_t *str)
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

void json_writer_string_end(struct json_writer *w)
{
    text_buffer_putc(&w->out, '"');
}

static void open_nested(struct json_writer *w, char bracket, int array)
{
    if (w->depth + 1 >= JSON_WRITER_MAX_DEPTH) {
        w->out.failed = 1;
        return;
    }
    item(w);
    text_buffer_putc(&w->out, bracket);
    w->depth++;
    w->has_item[w->depth] = 0;
    w->in_array[w->depth] = (unsigned char)array;
}

static void close_nested(struct json_writer *w, char bracket, int array)
{
    if (w->depth == 0 || w->in_array[w->depth] != array)
        w->out.failed = 1; /* unbalanced: a bug of the caller, reported as a failed text */
    else
        w->depth--;
    text_buffer_putc(&w->out, bracket);
}

void json_writer_open(struct json_writer *w)
{
    open_nested(w, '{', 0);
}

void json_writer_close(struct json_writer *w)
{
    close_nested(w, '}', 0);
}

void json_writer_open_array(struct json_writer *w)
{
    open_nested(w, '[', 1);
}

void json_writer_close_array(struct json_writer *w)
{
    close_nested(w, ']', 1);
}

char *json_writer_finish(struct json_writer *w)
{
    text_buffer_putc(&w->out, '}');
    if (w->depth != 0)
        w->out.failed = 1;
    return text_buffer_take(&w->out);
}
