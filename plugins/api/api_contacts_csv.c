/*
 * api_contacts_csv.c - contacts CSV -> JSON rows (see the header for why and the format).
 */
#include "api_contacts_csv.h"

#include <csv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct csv_state {
    struct api_csv_result *res;
    json_t *fields;   /* current row's fields as strings */
    json_t *header;   /* lower-cased column names */
    json_t *by_phone; /* phone -> index in res->rows */
    int phone_col;
    int name_col;
    int tags_col;
    size_t row_no; /* 1 = header */
    int failed;
};

int api_phone_normalise(const char *in, char out[16])
{
    size_t n = 0;
    if (!in)
        return -1;
    for (const char *p = in; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n >= 15)
                return -1;
            out[n++] = *p;
        } else if (!strchr("+ -().\t", *p) || (*p == '+' && p != in)) {
            return -1;
        }
    }
    out[n] = '\0';
    return n >= 8 && n <= 15 && out[0] != '0' ? 0 : -1;
}

static void reject(struct csv_state *st, const char *why)
{
    st->res->rejected++;
    if (json_array_size(st->res->rejects) < API_CSV_MAX_REJECTS_REPORTED)
        json_array_append_new(st->res->rejects, json_pack("{s:I, s:s}", "line",
                                                          (json_int_t)st->row_no, "error", why));
}

static void on_field(void *data, size_t len, void *vst)
{
    struct csv_state *st = vst;
    json_t *s = json_stringn(data ? (const char *)data : "", data ? len : 0);
    /* invalid UTF-8 becomes JSON null and rejects the row */
    json_array_append_new(st->fields, s ? s : json_null());
}

static int read_header(struct csv_state *st)
{
    size_t i;
    json_t *f;
    st->phone_col = st->name_col = st->tags_col = -1;
    json_array_foreach(st->fields, i, f)
    {
        char name[128];
        snprintf(name, sizeof(name), "%s", json_is_string(f) ? json_string_value(f) : "");
        for (char *c = name; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        if (!strcmp(name, "phone"))
            st->phone_col = (int)i;
        else if (!strcmp(name, "name"))
            st->name_col = (int)i;
        else if (!strcmp(name, "tags"))
            st->tags_col = (int)i;
        json_array_append_new(st->header, json_string(name));
    }
    if (st->phone_col < 0) {
        snprintf(st->res->error, sizeof(st->res->error),
                 "the first row must be a header with a \"phone\" column");
        return -1;
    }
    return 0;
}

static json_t *split_tags(const char *s)
{
    json_t *tags = json_array();
    while (s && *s) {
        const char *end = strchr(s, ';');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        while (n && *s == ' ')
            s++, n--;
        while (n && s[n - 1] == ' ')
            n--;
        if (n)
            json_array_append_new(tags, json_stringn(s, n));
        s = end ? end + 1 : NULL;
    }
    return tags;
}

static void add_row(struct csv_state *st)
{
    size_t nf = json_array_size(st->fields);
    const char *first = json_string_value(json_array_get(st->fields, 0));
    if (nf == 1 && first && !*first)
        return; /* blank line */
    char phone[16];
    const char *raw = json_string_value(json_array_get(st->fields, (size_t)st->phone_col));
    if (api_phone_normalise(raw, phone) != 0) {
        reject(st, "phone is not a valid international number");
        return;
    }
    json_t *attrs = json_object();
    json_t *name = json_null(), *tags = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(st->fields, i, f)
    {
        if (!json_is_string(f)) {
            json_decref(attrs), json_decref(name), json_decref(tags);
            reject(st, "row is not valid UTF-8");
            return;
        }
        const char *col = json_string_value(json_array_get(st->header, i));
        if ((int)i == st->phone_col || !col || !*col || json_string_length(f) == 0)
            continue;
        if ((int)i == st->name_col) {
            json_decref(name);
            name = json_copy(f);
        } else if ((int)i == st->tags_col) {
            json_decref(tags);
            tags = split_tags(json_string_value(f));
        } else {
            json_object_set(attrs, col, f);
        }
    }
    json_t *row = json_pack("{s:s, s:o, s:o, s:o}", "phone", phone, "name", name, "attributes",
                            attrs, "tags", tags);
    json_t *idx = json_object_get(st->by_phone, phone);
    if (idx) {
        json_array_set_new(st->res->rows, (size_t)json_integer_value(idx), row);
    } else {
        json_object_set_new(st->by_phone, phone,
                            json_integer((json_int_t)json_array_size(st->res->rows)));
        json_array_append_new(st->res->rows, row);
    }
}

static void on_row(int terminator, void *vst)
{
    struct csv_state *st = vst;
    st->row_no++;
    if (!st->failed) {
        if (st->row_no == 1)
            st->failed = read_header(st) != 0;
        else
            add_row(st);
    }
    json_array_clear(st->fields);
}

int api_contacts_csv_parse(const char *data, size_t len, struct api_csv_result *result)
{
    memset(result, 0, sizeof(*result));
    result->rows = json_array();
    result->rejects = json_array();
    struct csv_state st = {
        .res = result, .fields = json_array(), .header = json_array(), .by_phone = json_object()};
    struct csv_parser parser;
    int rc = -1;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        snprintf(result->error, sizeof(result->error), "out of memory");
        goto done;
    }
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) { /* UTF-8 byte order mark */
        data += 3;
        len -= 3;
    }
    if (csv_parse(&parser, data, len, on_field, on_row, &st) != len ||
        csv_fini(&parser, on_field, on_row, &st) != 0) {
        snprintf(result->error, sizeof(result->error), "CSV is malformed near row %zu: %s",
                 st.row_no + 1, csv_strerror(csv_error(&parser)));
    } else if (st.row_no == 0) {
        snprintf(result->error, sizeof(result->error), "the CSV is empty");
    } else if (!st.failed) {
        rc = 0;
    }
    csv_free(&parser);
done:
    json_decref(st.fields);
    json_decref(st.header);
    json_decref(st.by_phone);
    if (rc != 0) {
        json_decref(result->rows);
        json_decref(result->rejects);
        result->rows = result->rejects = NULL;
    }
    return rc;
}

void api_csv_result_free(struct api_csv_result *result)
{
    json_decref(result->rows);
    json_decref(result->rejects);
    result->rows = result->rejects = NULL;
}
