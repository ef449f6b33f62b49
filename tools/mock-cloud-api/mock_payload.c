/*
 * Send payload validation (see mock_payload.h for the codes it answers).
 */
#include "mock_payload.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define BAD_REQUEST 400

static int fail_missing(mock_error_t *err, const char *what)
{
    mock_error_set(err, BAD_REQUEST, 131008, "The parameter %s is required.", what);
    return -1;
}

static int fail_invalid(mock_error_t *err, const char *fmt, const char *what)
{
    mock_error_set(err, BAD_REQUEST, 100, fmt, what);
    return -1;
}

/* Optional '+', then 7..15 digits (E.164 without separators). */
static int normalise_recipient(const char *to, char wa_id[24])
{
    const char *p = to[0] == '+' ? to + 1 : to;
    size_t n = strlen(p);
    if (n < 7 || n > 15)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return -1;
    memcpy(wa_id, p, n + 1);
    return 0;
}

/* Meta refuses parameter text with newlines, tabs or more than four spaces in a row. */
static int text_has_layout_issue(const char *s)
{
    int spaces = 0;
    for (; *s; s++) {
        if (*s == '\n' || *s == '\t')
            return 1;
        spaces = *s == ' ' ? spaces + 1 : 0;
        if (spaces > 4)
            return 1;
    }
    return 0;
}

static const char *param_value(json_t *param, mock_error_t *err)
{
    static const char *const types[] = {"text",     "currency", "date_time", "image",      "video",
                                        "document", "location", "payload",   "coupon_code"};
    if (!json_is_object(param)) {
        fail_invalid(err, "Each entry of %s must be an object.", "parameters");
        return NULL;
    }
    json_t *type = json_object_get(param, "type");
    if (!type) {
        fail_missing(err, "parameters[].type");
        return NULL;
    }
    const char *t = json_string_value(type);
    size_t known = 0;
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        known |= strcmp(t, types[i]) == 0;
    if (!known) {
        fail_invalid(err, "Invalid %s.", "parameters[].type");
        return NULL;
    }
    if (strcmp(t, "text") != 0)
        return t;
    json_t *text = json_object_get(param, "text");
    if (!text) {
        fail_missing(err, "parameters[].text");
        return NULL;
    }
    if (!json_is_string(text) || json_string_length(text) == 0) {
        fail_invalid(err, "%s must be a non-empty string.", "parameters[].text");
        return NULL;
    }
    if (text_has_layout_issue(json_string_value(text))) {
        mock_error_set(err, BAD_REQUEST, 132018,
                       "Param text cannot have new-line/tab characters or more than 4 "
                       "consecutive spaces");
        return NULL;
    }
    return json_string_value(text);
}

/* Appends "<what>:<type>:<value>" to req->components for the send log. */
static void note_component(mock_send_request_t *req, const char *what, const char *type,
                           const char *value)
{
    size_t used = strlen(req->components);
    if (used + 1 >= sizeof req->components)
        return;
    if (used)
        req->components[used++] = MOCK_COMPONENT_SEP;
    snprintf(req->components + used, sizeof req->components - used, "%s:%s:%s", what, type, value);
}

/* The one parameter of a header or button component. */
static json_t *only_parameter(json_t *comp, mock_error_t *err)
{
    json_t *params = json_object_get(comp, "parameters");
    if (!params) {
        fail_missing(err, "template.components[].parameters");
        return NULL;
    }
    if (!json_is_array(params) || json_array_size(params) != 1) {
        fail_invalid(err, "%s must hold exactly one parameter.",
                     "template.components[].parameters");
        return NULL;
    }
    return json_array_get(params, 0);
}

/* header: one text parameter, or image / video / document with an http(s) link or a media ID. */
static int check_header(json_t *comp, mock_send_request_t *req, mock_error_t *err)
{
    json_t *param = only_parameter(comp, err);
    const char *value = param ? param_value(param, err) : NULL;
    if (!value)
        return -1;
    const char *type = json_string_value(json_object_get(param, "type"));
    if (strcmp(type, "text") == 0) {
        req->header_kind = 't';
        note_component(req, "header", "text", value);
        return 0;
    }
    if (strcmp(type, "image") != 0 && strcmp(type, "video") != 0 && strcmp(type, "document") != 0)
        return fail_invalid(err, "Invalid %s.", "header parameter type");
    /* Meta takes the media as a link it fetches or as the ID of media uploaded before */
    json_t *media = json_object_get(param, type);
    const char *link = json_string_value(json_object_get(media, "link"));
    const char *id = json_string_value(json_object_get(media, "id"));
    if (!link && !id)
        return fail_missing(err, "header media link or id");
    if (link && id)
        return fail_invalid(err, "%s: send a link or an id, not both.", "header media");
    if (link && strncmp(link, "https://", 8) != 0 && strncmp(link, "http://", 7) != 0)
        return fail_invalid(err, "%s must be an http(s) URL.", "header media link");
    if (id && (!*id || strspn(id, "0123456789") != strlen(id)))
        return fail_invalid(err, "%s must be a media ID.", "header media id");
    req->header_kind = type[0]; /* image, video, document: 'i', 'v', 'd' */
    note_component(req, "header", type, link ? link : id);
    return 0;
}

/* button: sub_type url (text), copy_code (coupon_code, at most 15 characters) or quick_reply
 * (payload), an index 0-9 (Meta's examples send it as a string), one parameter. */
static int check_button(json_t *comp, mock_send_request_t *req, mock_error_t *err)
{
    static const char *const sub_types[] = {"url", "copy_code", "quick_reply"};
    static const char *const param_types[] = {"text", "coupon_code", "payload"};
    const char *sub = json_string_value(json_object_get(comp, "sub_type"));
    if (!sub)
        return fail_missing(err, "template.components[].sub_type");
    size_t k = 0;
    while (k < 3 && strcmp(sub, sub_types[k]) != 0)
        k++;
    if (k == 3)
        return fail_invalid(err, "Invalid %s.", "button sub_type");
    json_t *index = json_object_get(comp, "index");
    const char *is = json_string_value(index);
    long long iv = json_is_integer(index) ? json_integer_value(index)
                   : is && isdigit((unsigned char)is[0]) && is[1] == '\0' ? is[0] - '0'
                                                                          : -1;
    if (iv < 0 || iv > 9)
        return fail_invalid(err, "%s must be 0-9.", "template.components[].index");
    json_t *param = only_parameter(comp, err);
    const char *text = param ? param_value(param, err) : NULL;
    if (!text)
        return -1;
    if (strcmp(json_string_value(json_object_get(param, "type")), param_types[k]) != 0)
        return fail_invalid(err, "Invalid %s.", "button parameter type");
    const char *value = k == 0 ? text : json_string_value(json_object_get(param, param_types[k]));
    if (!value || !*value)
        return fail_missing(err, param_types[k]);
    if (k == 1 && strlen(value) > 15)
        return fail_invalid(err, "%s must be at most 15 characters.", "coupon_code");
    req->button_kinds[iv] = "ucq"[k];
    char what[16];
    snprintf(what, sizeof what, "button%lld", iv);
    note_component(req, what, sub, value);
    return 0;
}

/* Counts the body's parameters (what registered templates are checked against) and checks
 * the shape of header and button components. */
static int collect_components(json_t *components, mock_send_request_t *req, mock_error_t *err)
{
    size_t i, j;
    json_t *comp, *param;
    if (!components)
        return 0;
    if (!json_is_array(components))
        return fail_invalid(err, "%s must be an array.", "template.components");
    json_array_foreach(components, i, comp)
    {
        const char *type = json_string_value(json_object_get(comp, "type"));
        if (!type)
            return fail_missing(err, "template.components[].type");
        if (strcmp(type, "header") == 0) {
            if (check_header(comp, req, err))
                return -1;
            continue;
        }
        if (strcmp(type, "button") == 0) {
            if (check_button(comp, req, err))
                return -1;
            continue;
        }
        if (strcmp(type, "body") != 0)
            continue; /* carousel, limited_time_offer, ...: not used by Herald, not checked */
        json_t *params = json_object_get(comp, "parameters");
        if (params && !json_is_array(params))
            return fail_invalid(err, "%s must be an array.", "parameters");
        json_array_foreach(params, j, param)
        {
            const char *v = param_value(param, err);
            if (!v)
                return -1;
            if (req->n_params < MOCK_MAX_STORED_PARAMS)
                req->params[req->n_params] = v;
            req->n_params++;
        }
    }
    return 0;
}

/* A template registered with its header and buttons (name:N:HEADER:BUTTONS): the message
 * must send exactly those parameterised components, as Meta checks every component. */
static int check_registered_components(const mock_template_t *t, const mock_send_request_t *req,
                                       mock_error_t *err)
{
    char sent = req->header_kind ? req->header_kind : 'n';
    if (sent != t->header) {
        mock_error_set(err, BAD_REQUEST, 132000,
                       "header: the template's header (%c) does not match the message's (%c)",
                       t->header, sent);
        return -1;
    }
    size_t registered = strlen(t->buttons);
    for (size_t i = 0; i < sizeof req->button_kinds; i++) {
        char want = i < registered && t->buttons[i] != '-' ? t->buttons[i] : 0;
        if (req->button_kinds[i] != want) {
            mock_error_set(err, BAD_REQUEST, 132000,
                           "buttons: button %zu of the template takes %c, the message sent %c", i,
                           want ? want : '-', req->button_kinds[i] ? req->button_kinds[i] : '-');
            return -1;
        }
    }
    return 0;
}

static int check_template(json_t *tpl, const mock_config_t *cfg, mock_send_request_t *req,
                          mock_error_t *err)
{
    if (!tpl)
        return fail_missing(err, "template");
    if (!json_is_object(tpl))
        return fail_invalid(err, "%s must be an object.", "template");
    json_t *name = json_object_get(tpl, "name");
    if (!name || (json_is_string(name) && json_string_length(name) == 0))
        return fail_missing(err, "template.name");
    if (!json_is_string(name))
        return fail_invalid(err, "%s must be a string.", "template.name");
    json_t *code = json_object_get(json_object_get(tpl, "language"), "code");
    if (!code || (json_is_string(code) && json_string_length(code) == 0))
        return fail_missing(err, "template.language.code");
    if (!json_is_string(code))
        return fail_invalid(err, "%s must be a string.", "template.language.code");
    req->template_name = json_string_value(name);
    req->language = json_string_value(code);
    if (collect_components(json_object_get(tpl, "components"), req, err))
        return -1;
    if (mock_config_template_paused(cfg, req->template_name)) {
        mock_error_set(err, BAD_REQUEST, 132015, "template %s is paused because of low quality",
                       req->template_name);
        return -1;
    }
    if (cfg->n_templates == 0)
        return 0; /* nothing registered: every template is "approved" */
    const mock_template_t *t = mock_config_template(cfg, req->template_name);
    if (!t) {
        mock_error_set(err, 404, 132001, "template name (%s) does not exist in %s",
                       req->template_name, req->language);
        return -1;
    }
    if ((int64_t)req->n_params != t->body_params) {
        mock_error_set(err, BAD_REQUEST, 132000,
                       "body: number of localizable_params (%zu) does not match the expected "
                       "number of params (%lld)",
                       req->n_params, (long long)t->body_params);
        return -1;
    }
    return t->header ? check_registered_components(t, req, err) : 0;
}

static int check_envelope(json_t *root, mock_send_request_t *req, mock_error_t *err)
{
    json_t *mp = json_object_get(root, "messaging_product");
    if (!mp)
        return fail_missing(err, "messaging_product");
    if (!json_is_string(mp) || strcmp(json_string_value(mp), "whatsapp") != 0)
        return fail_invalid(err, "%s must be \"whatsapp\".", "messaging_product");
    json_t *rt = json_object_get(root, "recipient_type");
    if (rt && (!json_is_string(rt) || strcmp(json_string_value(rt), "individual") != 0))
        return fail_invalid(err, "%s must be \"individual\".", "recipient_type");
    json_t *to = json_object_get(root, "to");
    if (!to)
        return fail_missing(err, "to");
    if (!json_is_string(to) || normalise_recipient(json_string_value(to), req->wa_id))
        return fail_invalid(err, "Invalid %s: expected 7 to 15 digits with an optional '+'.", "to");
    req->to_input = json_string_value(to);
    json_t *type = json_object_get(root, "type");
    if (type && (!json_is_string(type) || strcmp(json_string_value(type), "template") != 0))
        return fail_invalid(err, "Unsupported %s: this mock only sends type \"template\".", "type");
    if (!type)
        return fail_invalid(err, "%s must be \"template\" (the API would default to text).",
                            "type");
    json_t *cb = json_object_get(root, "biz_opaque_callback_data");
    if (cb && (!json_is_string(cb) || json_string_length(cb) > MOCK_MAX_CALLBACK_DATA))
        return fail_invalid(err, "%s must be a string of at most 512 characters.",
                            "biz_opaque_callback_data");
    req->callback_data = cb ? json_string_value(cb) : NULL;
    return 0;
}

int mock_payload_validate(const char *body, size_t len, const mock_config_t *cfg,
                          mock_send_request_t *req, mock_error_t *err)
{
    memset(req, 0, sizeof *req);
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        mock_error_set(err, BAD_REQUEST, 100, "Request body is not a JSON object: %s",
                       root ? "wrong type" : jerr.text);
        json_decref(root);
        return -1;
    }
    req->root = root;
    if (check_envelope(root, req, err) ||
        check_template(json_object_get(root, "template"), cfg, req, err)) {
        mock_send_request_clear(req);
        return -1;
    }
    return 0;
}

void mock_send_request_clear(mock_send_request_t *req)
{
    json_decref(req->root);
    memset(req, 0, sizeof *req);
}
