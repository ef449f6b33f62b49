/*
 * template_components.c - a template's header and buttons (see the header).
 */
#include "template_components.h"

#include "herald/media_link.h"
#include "json_keys.h"
#include "template_params.h"

#include <stdio.h>
#include <string.h>

static int param_ok(const json_t *param, const char *label, char *err, size_t errlen)
{
    const char *s = json_string_value(param);
    if (!s || strlen(s) != json_string_length(param) || !template_param_entry_valid(s)) {
        snprintf(err, errlen, "%s.param: expected name, phone, attributes.<key> or =literal",
                 label);
        return -1;
    }
    return 0;
}

static json_t *parse_header(const json_t *h, char *err, size_t errlen)
{
    static const char *const keys[] = {"type", "link", "id", "filename", "param", NULL};
    const char *type = json_string_value(json_object_get(h, "type"));
    if (!json_is_object(h) || !type) {
        snprintf(err, errlen, "template.header must be an object with a type");
        return NULL;
    }
    if (json_only_keys(h, keys, "template.header", err, errlen) != 0)
        return NULL;
    const json_t *link = json_object_get(h, "link"), *id = json_object_get(h, "id");
    if (strcmp(type, "text") == 0) {
        const json_t *param = json_object_get(h, "param");
        if (param_ok(param, "template.header", err, errlen) != 0)
            return NULL;
        if (link || id || json_object_get(h, "filename")) {
            snprintf(err, errlen, "template.header: a text header has a param, no link or id");
            return NULL;
        }
        return json_pack("{s:s, s:O}", "type", "text", "param", param);
    }
    if (strcmp(type, "image") != 0 && strcmp(type, "video") != 0 && strcmp(type, "document") != 0) {
        snprintf(err, errlen, "template.header.type must be text, image, video or document");
        return NULL;
    }
    /* Meta fetches a link for every message; an ID names media uploaded once beforehand. */
    if ((link != NULL) == (id != NULL)) {
        snprintf(err, errlen, "template.header: a media header (%s) takes a link or an id: one",
                 type);
        return NULL;
    }
    if (link && !herald_media_link_valid(json_string_value(link))) {
        snprintf(err, errlen, "template.header.link must be an http(s) URL without spaces");
        return NULL;
    }
    if (id && !herald_media_id_valid(json_string_value(id))) {
        snprintf(err, errlen, "template.header.id must be a media ID: 1-64 digits, as a string");
        return NULL;
    }
    const json_t *filename = json_object_get(h, "filename");
    if (filename && (strcmp(type, "document") != 0 || !json_is_string(filename) ||
                     json_string_length(filename) == 0 || json_string_length(filename) > 240)) {
        snprintf(err, errlen, "template.header.filename: 1-240 characters, documents only");
        return NULL;
    }
    if (json_object_get(h, "param")) {
        snprintf(err, errlen, "template.header: a %s header has a link or id, no param", type);
        return NULL;
    }
    json_t *out = json_pack("{s:s, s:O}", "type", type, link ? "link" : "id", link ? link : id);
    if (out && filename)
        json_object_set(out, "filename", (json_t *)filename);
    return out;
}

static json_t *parse_button(const json_t *b, size_t i, unsigned *used, char *err, size_t errlen)
{
    static const char *const keys[] = {"sub_type", "param", "index", NULL};
    char label[48];
    snprintf(label, sizeof(label), "template.buttons[%zu]", i);
    const char *sub = json_string_value(json_object_get(b, "sub_type"));
    if (!json_is_object(b) || !sub ||
        (strcmp(sub, "url") != 0 && strcmp(sub, "copy_code") != 0 &&
         strcmp(sub, "quick_reply") != 0)) {
        snprintf(err, errlen, "%s.sub_type must be url, copy_code or quick_reply", label);
        return NULL;
    }
    const json_t *param = json_object_get(b, "param");
    if (json_only_keys(b, keys, label, err, errlen) != 0 ||
        param_ok(param, label, err, errlen) != 0)
        return NULL;
    const json_t *index = json_object_get(b, "index");
    json_int_t at =
        index ? (json_is_integer(index) ? json_integer_value(index) : -1) : (json_int_t)i;
    if (at < 0 || at >= TEMPLATE_MAX_BUTTONS || (*used & (1u << at))) {
        snprintf(err, errlen, "%s.index must be 0-9 and differ from the other buttons'", label);
        return NULL;
    }
    *used |= 1u << at;
    return json_pack("{s:s, s:I, s:O}", "sub_type", sub, "index", at, "param", param);
}

static json_t *parse_buttons(const json_t *buttons, char *err, size_t errlen)
{
    if (!json_is_array(buttons) || json_array_size(buttons) == 0 ||
        json_array_size(buttons) > TEMPLATE_MAX_BUTTONS) {
        snprintf(err, errlen, "template.buttons must be an array of 1-%d buttons",
                 TEMPLATE_MAX_BUTTONS);
        return NULL;
    }
    json_t *out = json_array();
    unsigned used = 0;
    size_t i;
    const json_t *b;
    json_array_foreach(buttons, i, b)
    {
        json_t *one = parse_button(b, i, &used, err, errlen);
        if (!one || json_array_append_new(out, one) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *template_components_parse(const json_t *header, const json_t *buttons, char *err,
                                  size_t errlen)
{
    if (!header && !buttons)
        return json_null();
    json_t *out = json_object();
    json_t *h = header ? parse_header(header, err, errlen) : NULL;
    json_t *b = buttons ? parse_buttons(buttons, err, errlen) : NULL;
    if (!out || (header && !h) || (buttons && !b)) {
        json_decref(out);
        json_decref(h);
        json_decref(b);
        return NULL;
    }
    if (h)
        json_object_set_new(out, "header", h);
    if (b)
        json_object_set_new(out, "buttons", b);
    return out;
}

int template_components_mapping(const json_t *stored, json_t *mapping)
{
    if (!stored || json_is_null(stored))
        return 0;
    const json_t *h = json_object_get(stored, "header");
    const json_t *param = json_object_get(h, "param");
    if (param && json_array_append(mapping, (json_t *)param) != 0)
        return -1;
    size_t i;
    const json_t *b;
    json_array_foreach(json_object_get(stored, "buttons"), i, b)
    {
        param = json_object_get(b, "param");
        if (!param || json_array_append(mapping, (json_t *)param) != 0)
            return -1;
    }
    return 0;
}

json_t *template_components_job(const json_t *stored)
{
    json_t *out = json_object();
    if (!out || !stored || json_is_null(stored))
        return out;
    const json_t *h = json_object_get(stored, "header");
    if (h) {
        json_t *jh = json_deep_copy(h);
        json_object_del(jh, "param");
        json_object_set_new(out, "header", jh);
    }
    const json_t *buttons = json_object_get(stored, "buttons");
    if (buttons) {
        json_t *jb = json_array();
        size_t i;
        const json_t *b;
        json_array_foreach(buttons, i, b)
        {
            json_array_append_new(jb, json_pack("{s:O, s:O}", "sub_type",
                                                json_object_get(b, "sub_type"), "index",
                                                json_object_get(b, "index")));
        }
        json_object_set_new(out, "buttons", jb);
    }
    return out;
}
