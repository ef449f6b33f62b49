/*
 * contacts_csv.c - CSV record validation and COPY encoding for contact imports (see header).
 */
#include "contacts_csv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *trimmed_copy(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return strndup(s, n);
}

int csv_header_parse(struct csv_header *h, char *const *fields, size_t n, char *err, size_t errlen)
{
    memset(h, 0, sizeof(*h));
    h->phone = h->name = h->tags = h->opted_out = -1;
    if (n > CSV_MAX_COLUMNS) {
        snprintf(err, errlen, "header has more than %d columns", CSV_MAX_COLUMNS);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        h->names[i] = trimmed_copy(fields[i]);
        h->ncols = i + 1;
        if (!h->names[i] || !*h->names[i]) {
            snprintf(err, errlen, "header column %zu is empty", i + 1);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(h->names[j], h->names[i]) == 0) {
                snprintf(err, errlen, "header column '%.64s' appears twice", h->names[i]);
                return -1;
            }
        int *slot = !strcasecmp(h->names[i], "phone")       ? &h->phone
                    : !strcasecmp(h->names[i], "name")      ? &h->name
                    : !strcasecmp(h->names[i], "tags")      ? &h->tags
                    : !strcasecmp(h->names[i], "opted_out") ? &h->opted_out
                                                            : NULL;
        if (slot)
            *slot = (int)i;
    }
    if (h->phone < 0) {
        snprintf(err, errlen, "header has no 'phone' column");
        return -1;
    }
    return 0;
}

void csv_header_free(struct csv_header *h)
{
    for (size_t i = 0; i < h->ncols; i++)
        free(h->names[i]);
    h->ncols = 0;
}

void copy_text_escape(struct text_buffer *b, const char *s)
{
    char chunk[2] = {0, 0};
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            text_buffer_puts(b, "\\\\");
            break;
        case '\t':
            text_buffer_puts(b, "\\t");
            break;
        case '\n':
            text_buffer_puts(b, "\\n");
            break;
        case '\r':
            text_buffer_puts(b, "\\r");
            break;
        default:
            chunk[0] = *s;
            text_buffer_puts(b, chunk);
        }
    }
}

static int parse_bool(const char *s, int *out)
{
    if (!*s || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no"))
        *out = 0;
    else if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes"))
        *out = 1;
    else
        return -1;
    return 0;
}

/* "vip; new ;;x" -> "vip;new;x" (trimmed, empties dropped); ';' is the separator in COPY. */
static void append_tags(struct text_buffer *copy, const char *raw)
{
    char *tags = strdup(raw);
    if (!tags) {
        copy->failed = 1;
        return;
    }
    int first = 1;
    char *save = NULL;
    for (char *t = strtok_r(tags, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        char *tag = trimmed_copy(t);
        if (tag && *tag) {
            if (!first)
                text_buffer_puts(copy, ";");
            copy_text_escape(copy, tag);
            first = 0;
        }
        free(tag);
    }
    free(tags);
}

static int check_text(const char *s, const char *col, char *err, size_t errlen)
{
    if (strlen(s) > 4096) {
        snprintf(err, errlen, "column '%.64s' longer than 4096 bytes", col);
        return -1;
    }
    json_t *probe = json_string(s); /* NULL when not valid UTF-8, which PostgreSQL refuses */
    if (!probe) {
        snprintf(err, errlen, "column '%.64s' is not valid UTF-8", col);
        return -1;
    }
    json_decref(probe);
    return 0;
}

static char *attributes_json(const struct csv_header *h, char *const *fields)
{
    json_t *attrs = json_object();
    for (size_t i = 0; i < h->ncols; i++) {
        if ((int)i == h->phone || (int)i == h->name || (int)i == h->tags ||
            (int)i == h->opted_out || !fields[i][0])
            continue;
        json_object_set_new(attrs, h->names[i], json_string(fields[i]));
    }
    char *text = json_dumps(attrs, JSON_COMPACT);
    json_decref(attrs);
    return text;
}

int csv_row_to_copy(const struct csv_header *h, char *const *fields, size_t n,
                    struct text_buffer *copy, char *phone, char *err, size_t errlen)
{
    if (n < h->ncols) {
        snprintf(err, errlen, "missing column '%.64s' (%zu of %zu fields)", h->names[n], n,
                 h->ncols);
        return -1;
    }
    if (n > h->ncols) {
        snprintf(err, errlen, "%zu fields but the header has %zu columns", n, h->ncols);
        return -1;
    }
    const char *why = NULL;
    if (phone_normalize(fields[h->phone], phone, PHONE_BUF_SIZE, &why) != 0) {
        snprintf(err, errlen, "bad phone '%.40s': %s", fields[h->phone], why);
        return -1;
    }
    int opted_out = 0;
    if (h->opted_out >= 0 && parse_bool(fields[h->opted_out], &opted_out) != 0) {
        snprintf(err, errlen, "bad opted_out '%.20s' (true/false)", fields[h->opted_out]);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (check_text(fields[i], h->names[i], err, errlen) != 0)
            return -1;
    char *attrs = attributes_json(h, fields);
    if (!attrs) {
        snprintf(err, errlen, "attributes are not valid UTF-8");
        return -1;
    }
    text_buffer_puts(copy, phone);
    text_buffer_puts(copy, "\t");
    const char *name = h->name >= 0 ? fields[h->name] : "";
    if (*name)
        copy_text_escape(copy, name);
    else
        text_buffer_puts(copy, "\\N");
    text_buffer_puts(copy, "\t");
    if (h->tags >= 0)
        append_tags(copy, fields[h->tags]);
    text_buffer_printf(copy, "\t%s\t", opted_out ? "t" : "f");
    copy_text_escape(copy, attrs);
    text_buffer_puts(copy, "\n");
    free(attrs);
    return 0;
}
