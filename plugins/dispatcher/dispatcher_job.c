/*
 * dispatcher_job.c - parse a `jobs` message (docs/architecture.md) into struct disp_job.
 *
 * Why copy everything out of jansson: a job can wait seconds in the rate limiter or minutes
 * in the retry queue, and plain C strings keep its memory cost and ownership obvious.
 */
#include "dispatcher_job.h"
#include "herald/media_link.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS    64
#define MAX_PARAM_LEN 1024

int disp_all_digits(const char *s, size_t min_len, size_t max_len)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9')
            return 0;
    return n >= min_len && n <= max_len;
}

static int valid_template_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 512)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static int valid_language(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static char *param_text(json_t *v)
{
    char buf[64];
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return strdup(buf);
    }
    if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%g", json_real_value(v));
        return strdup(buf);
    }
    return NULL;
}

static int parse_params(json_t *arr, struct disp_job *out, char *err, size_t errlen)
{
    if (arr == NULL || json_is_null(arr))
        return 0;
    if (!json_is_array(arr) || json_array_size(arr) > MAX_PARAMS) {
        snprintf(err, errlen, "params must be an array of at most %d values", MAX_PARAMS);
        return -1;
    }
    out->params = calloc(json_array_size(arr) + 1, sizeof(char *));
    if (!out->params) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        char *t = param_text(v);
        if (!t || strlen(t) > MAX_PARAM_LEN) {
            free(t);
            snprintf(err, errlen, "params[%zu] must be a string of at most %d bytes", i,
                     MAX_PARAM_LEN);
            return -1;
        }
        out->params[out->n_params++] = t;
    }
    return 0;
}

static int parse_header(json_t *h, struct disp_job *out, char *err, size_t errlen)
{
    static const char *const kinds[] = {"", "text", "image", "video", "document"};
    if (h == NULL || json_is_null(h))
        return 0;
    const char *type = json_string_value(json_object_get(h, "type"));
    for (size_t k = 1; type && k < sizeof(kinds) / sizeof(kinds[0]); k++)
        if (strcmp(type, kinds[k]) == 0)
            out->header = (enum disp_header_kind)k;
    if (out->header == DISP_HEADER_NONE) {
        snprintf(err, errlen, "template.header.type must be text, image, video or document");
        return -1;
    }
    if (out->header == DISP_HEADER_TEXT)
        return 0;
    const char *link = json_string_value(json_object_get(h, "link"));
    const char *id = json_string_value(json_object_get(h, "id"));
    const char *name = json_string_value(json_object_get(h, "filename"));
    if (link ? !herald_media_link_valid(link) || id : !herald_media_id_valid(id)) {
        snprintf(err, errlen, "template.header needs an http(s) link or a media ID (digits)");
        return -1;
    }
    if (name && (strlen(name) == 0 || strlen(name) > 240)) {
        snprintf(err, errlen, "template.header.filename must be 1-240 bytes");
        return -1;
    }
    out->header_media = strdup(link ? link : id);
    out->header_media_is_id = link == NULL;
    out->header_filename = name ? strdup(name) : NULL;
    if (!out->header_media || (name && !out->header_filename)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int parse_buttons(json_t *arr, struct disp_job *out, char *err, size_t errlen)
{
    static const char *const kinds[] = {"url", "copy_code", "quick_reply"};
    if (arr == NULL || json_is_null(arr))
        return 0;
    if (!json_is_array(arr) || json_array_size(arr) > DISP_MAX_BUTTONS) {
        snprintf(err, errlen, "template.buttons must be an array of at most %d buttons",
                 DISP_MAX_BUTTONS);
        return -1;
    }
    size_t i;
    json_t *b;
    json_array_foreach(arr, i, b)
    {
        const char *type = json_string_value(json_object_get(b, "sub_type"));
        json_t *index = json_object_get(b, "index");
        size_t k = 0;
        while (type && k < 3 && strcmp(type, kinds[k]) != 0)
            k++;
        if (!type || k == 3 || !json_is_integer(index) || json_integer_value(index) < 0 ||
            json_integer_value(index) >= DISP_MAX_BUTTONS) {
            snprintf(err, errlen,
                     "template.buttons[%zu] needs sub_type url, copy_code or quick_reply and "
                     "an index 0-9",
                     i);
            return -1;
        }
        out->buttons[i].kind = (enum disp_button_kind)k;
        out->buttons[i].index = (int)json_integer_value(index);
        out->n_buttons = i + 1;
    }
    return 0;
}

/* The header's text and the buttons' values follow the body's parameters in `params`. */
static int split_params(struct disp_job *out, char *err, size_t errlen)
{
    size_t extra = out->n_buttons + (out->header == DISP_HEADER_TEXT);
    if (out->n_params < extra) {
        snprintf(err, errlen, "params has %zu values; the header and buttons need %zu",
                 out->n_params, extra);
        return -1;
    }
    out->n_body_params = out->n_params - extra;
    return 0;
}

static int take_string(json_t *obj, const char *key, char **dst, char *err, size_t errlen)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s) {
        snprintf(err, errlen, "missing or non-string field '%s'", key);
        return -1;
    }
    *dst = strdup(s);
    if (!*dst) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int parse_ids(json_t *root, struct disp_job *out, char *err, size_t errlen)
{
    json_t *c = json_object_get(root, "campaign_id");
    json_t *r = json_object_get(root, "recipient_id");
    if (!json_is_integer(c) || !json_is_integer(r) || json_integer_value(c) <= 0 ||
        json_integer_value(r) <= 0) {
        snprintf(err, errlen, "campaign_id and recipient_id must be positive integers");
        return -1;
    }
    out->campaign_id = json_integer_value(c);
    out->recipient_id = json_integer_value(r);
    return 0;
}

static int parse_rate(json_t *root, struct disp_job *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(root, "rate_limit_per_second");
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_number(v) || json_number_value(v) <= 0) {
        snprintf(err, errlen, "rate_limit_per_second must be null or a positive number");
        return -1;
    }
    out->rate_limit = json_number_value(v);
    return 0;
}

static int parse_fields(json_t *root, struct disp_job *out, char *err, size_t errlen)
{
    json_t *tpl = json_object_get(root, "template");
    if (!json_is_object(root)) {
        snprintf(err, errlen, "job must be a JSON object");
        return -1;
    }
    if (parse_ids(root, out, err, errlen) || take_string(root, "phone", &out->phone, err, errlen) ||
        take_string(root, "phone_number_id", &out->phone_number_id, err, errlen))
        return -1;
    if (!disp_all_digits(out->phone, 8, 15)) {
        snprintf(err, errlen, "phone must be 8-15 digits (E.164 without '+')");
        return -1;
    }
    if (!disp_all_digits(out->phone_number_id, 1, 32)) {
        snprintf(err, errlen, "phone_number_id must be 1-32 digits");
        return -1;
    }
    if (!json_is_object(tpl) || take_string(tpl, "name", &out->template_name, err, errlen) ||
        take_string(tpl, "language", &out->template_language, err, errlen)) {
        if (!err[0])
            snprintf(err, errlen, "missing object 'template'");
        return -1;
    }
    if (!valid_template_name(out->template_name) || !valid_language(out->template_language)) {
        snprintf(err, errlen, "template name or language has invalid characters");
        return -1;
    }
    if (parse_rate(root, out, err, errlen) ||
        parse_params(json_object_get(root, "params"), out, err, errlen) ||
        parse_header(json_object_get(tpl, "header"), out, err, errlen) ||
        parse_buttons(json_object_get(tpl, "buttons"), out, err, errlen) ||
        split_params(out, err, errlen))
        return -1;
    return 0;
}

int disp_job_parse(const char *payload, size_t len, struct disp_job *out, char *err, size_t errlen)
{
    json_error_t jerr;
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "invalid JSON at %d: %s", jerr.position, jerr.text);
        return -1;
    }
    int rc = parse_fields(root, out, err, errlen);
    json_decref(root);
    if (rc != 0)
        disp_job_free(out);
    return rc;
}

void disp_job_free(struct disp_job *job)
{
    if (!job)
        return;
    free(job->phone);
    free(job->phone_number_id);
    free(job->template_name);
    free(job->template_language);
    free(job->header_media);
    free(job->header_filename);
    for (size_t i = 0; i < job->n_params; i++)
        free(job->params[i]);
    free(job->params);
    memset(job, 0, sizeof(*job));
}
