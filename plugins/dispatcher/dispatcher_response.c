/*
 * dispatcher_response.c - read the two response shapes of POST /messages: success
 * ({"messages":[{"id":"wamid..."}]}) and error ({"error":{"code":..,"message":..}}).
 *
 * Why tolerant: proxies and the API itself sometimes answer HTML or nothing; the caller then
 * classifies by HTTP status alone.
 */
#include "dispatcher_response.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void copy_str(char *dst, size_t len, json_t *v)
{
    const char *s = json_string_value(v);
    if (s)
        snprintf(dst, len, "%s", s);
}

static void parse_error(json_t *err, struct disp_response *out)
{
    json_t *code = json_object_get(err, "code");
    if (json_is_integer(code))
        out->code = (int)json_integer_value(code);
    copy_str(out->title, sizeof(out->title), json_object_get(err, "message"));
    if (!out->title[0])
        copy_str(out->title, sizeof(out->title), json_object_get(err, "error_user_title"));
    copy_str(out->details, sizeof(out->details),
             json_object_get(json_object_get(err, "error_data"), "details"));
    copy_str(out->fbtrace_id, sizeof(out->fbtrace_id), json_object_get(err, "fbtrace_id"));
}

void disp_response_parse(const char *body, size_t len, struct disp_response *out)
{
    memset(out, 0, sizeof(*out));
    if (!body || len == 0)
        return;
    json_t *root = json_loadb(body, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    json_t *err = json_object_get(root, "error");
    if (json_is_object(err))
        parse_error(err, out);
    json_t *id = json_object_get(json_array_get(json_object_get(root, "messages"), 0), "id");
    if (json_is_string(id) && json_string_length(id) > 0 &&
        json_string_length(id) < sizeof(out->wamid)) {
        snprintf(out->wamid, sizeof(out->wamid), "%s", json_string_value(id));
        out->has_wamid = 1;
    }
    json_decref(root);
}
