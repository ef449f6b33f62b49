/*
 * api_campaign_validate.c - campaign definition and command body validation (see header).
 */
#include "api_campaign_validate.h"

#include "api_time.h"

#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#ifdef HERALD_API_HAVE_SEGMENTER
#include "segment_rules.h"
#include "send_window.h"
#include "template_components.h"
#include "template_params.h"
#endif

#define NAME_MAX_LEN          200
#define TEMPLATE_NAME_MAX_LEN 512
#define PARAMS_MAX            32
#define LISTS_MAX             1000
#define RATE_MAX              10000.0

static int all_chars(const char *s, const char *allowed)
{
    return strspn(s, allowed) == strlen(s);
}

static int validate_name(const json_t *v, struct api_field_error *err)
{
    const char *s = json_string_value(v);
    if (!s || !*s || strspn(s, " \t\r\n") == strlen(s)) {
        api_field_error_set(err, "name", "name must be a non-empty string");
        return -1;
    }
    if (json_string_length(v) > NAME_MAX_LEN) {
        api_field_error_set(err, "name", "name must be at most %d bytes", NAME_MAX_LEN);
        return -1;
    }
    return 0;
}

static int validate_phone_number_id(const json_t *v, struct api_field_error *err)
{
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > 64 || !all_chars(s, "0123456789")) {
        api_field_error_set(err, "phone_number_id",
                            "phone_number_id must be a string of 1 to 64 digits");
        return -1;
    }
    return 0;
}

static int validate_language(const char *s)
{
    /* "en", "pt_BR", "zh_Hant_HK": letters and underscores, starting with 2-3 letters */
    size_t n = strlen(s);
    return n >= 2 && n <= 16 &&
           all_chars(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") && s[0] != '_' &&
           s[n - 1] != '_';
}

static int validate_params(const json_t *params, struct api_field_error *err)
{
    if (!json_is_array(params) || json_array_size(params) > PARAMS_MAX) {
        api_field_error_set(err, "template.params",
                            "template.params must be an array of at most %d entries", PARAMS_MAX);
        return -1;
    }
    size_t i;
    const json_t *p;
    json_array_foreach(params, i, p)
    {
        const char *s = json_string_value(p);
        if (!s || !*s) {
            api_field_error_set(err, "template.params",
                                "template.params[%zu] must be a non-empty string", i);
            return -1;
        }
    }
#ifdef HERALD_API_HAVE_SEGMENTER
    char why[200];
    if (template_params_validate(params, why, sizeof(why)) != 0) {
        api_field_error_set(err, "template.params", "%s", why);
        return -1;
    }
#else
    json_array_foreach(params, i, p)
    {
        const char *s = json_string_value(p);
        if (strcmp(s, "name") && strcmp(s, "phone") && strncmp(s, "attributes.", 11) &&
            s[0] != '=') {
            api_field_error_set(err, "template.params",
                                "template.params[%zu] must be \"name\", \"phone\", "
                                "\"attributes.<key>\" or \"=<literal>\"",
                                i);
            return -1;
        }
    }
#endif
    return 0;
}

/* header and buttons: the segmenter's own check (template_components.c); null removes them. */
static int validate_components(const json_t *header, const json_t *buttons,
                               struct api_field_error *err)
{
#ifdef HERALD_API_HAVE_SEGMENTER
    char why[200];
    json_t *c = template_components_parse(json_is_null(header) ? NULL : header,
                                          json_is_null(buttons) ? NULL : buttons, why, sizeof(why));
    if (!c) {
        size_t n = strcspn(why, ": ");
        snprintf(err->field, sizeof(err->field), "%.*s", (int)n, why);
        snprintf(err->message, sizeof(err->message), "%s", why);
        return -1;
    }
    json_decref(c);
#else
    if (header && !json_is_null(header) && !json_is_object(header)) {
        api_field_error_set(err, "template.header", "template.header must be an object or null");
        return -1;
    }
    if (buttons && !json_is_null(buttons) && !json_is_array(buttons)) {
        api_field_error_set(err, "template.buttons", "template.buttons must be an array or null");
        return -1;
    }
#endif
    return 0;
}

static json_t *validate_template(const json_t *t, int partial, struct api_field_error *err)
{
    if (!json_is_object(t)) {
        api_field_error_set(err, "template", "template must be an object");
        return NULL;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)t, key, v)
    {
        if (strcmp(key, "name") && strcmp(key, "language") && strcmp(key, "params") &&
            strcmp(key, "header") && strcmp(key, "buttons")) {
            api_field_error_set(err, "template", "unknown field template.%.60s", key);
            return NULL;
        }
    }
    const json_t *name = json_object_get(t, "name");
    const json_t *lang = json_object_get(t, "language");
    const json_t *params = json_object_get(t, "params");
    const char *n = json_string_value(name);
    if ((name || !partial) && (!n || !*n || json_string_length(name) > TEMPLATE_NAME_MAX_LEN ||
                               !all_chars(n, "abcdefghijklmnopqrstuvwxyz0123456789_"))) {
        api_field_error_set(err, "template.name",
                            "template.name must be a template name (lowercase letters, digits, _)");
        return NULL;
    }
    if (lang && (!json_is_string(lang) || !validate_language(json_string_value(lang)))) {
        api_field_error_set(err, "template.language",
                            "template.language must be a language code like \"en\" or \"pt_BR\"");
        return NULL;
    }
    if (params && validate_params(params, err) != 0)
        return NULL;
    const json_t *header = json_object_get(t, "header");
    const json_t *buttons = json_object_get(t, "buttons");
    if ((header || buttons) && validate_components(header, buttons, err) != 0)
        return NULL;
    json_t *out = json_object();
    if (header)
        json_object_set(out, "header", (json_t *)header);
    if (buttons)
        json_object_set(out, "buttons", (json_t *)buttons);
    if (name)
        json_object_set(out, "name", (json_t *)name);
    if (lang || !partial)
        json_object_set_new(out, "language", json_string(lang ? json_string_value(lang) : "en"));
    if (params || !partial)
        json_object_set_new(out, "params", params ? json_deep_copy(params) : json_array());
    return out;
}

static int validate_list_ids(const json_t *v, const char *field, struct api_field_error *err)
{
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > LISTS_MAX) {
        api_field_error_set(err, field, "%s must be an array of list ids", field);
        return -1;
    }
    size_t i;
    const json_t *id;
    json_array_foreach(v, i, id)
    {
        if (!json_is_integer(id) || json_integer_value(id) <= 0) {
            api_field_error_set(err, field, "%s[%zu] must be a positive integer", field, i);
            return -1;
        }
    }
    return 0;
}

void api_audience_error_field(const char *why, char *field, size_t len)
{
    /* The compiler's reasons start with the path ("rules.all[0]: unknown op"). */
    size_t n = strcspn(why, ": ");
    if (why[n] == ':' &&
        (!strncmp(why, "rules", 5) || !strncmp(why, "include_lists", 13) ||
         !strncmp(why, "exclude_lists", 13) || !strncmp(why, "not_messaged_within_hours", 25) ||
         !strncmp(why, "from_campaign", 13)))
        snprintf(field, len, "audience.%.*s", (int)n, why);
    else
        snprintf(field, len, "audience");
}

static int validate_audience(const json_t *a, struct api_field_error *err)
{
    if (!json_is_object(a)) {
        api_field_error_set(err, "audience", "audience must be an object");
        return -1;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)a, key, v)
    {
        if (strcmp(key, "include_lists") && strcmp(key, "exclude_lists") && strcmp(key, "rules") &&
            strcmp(key, "not_messaged_within_hours") && strcmp(key, "from_campaign")) {
            api_field_error_set(err, "audience", "unknown field audience.%.60s", key);
            return -1;
        }
    }
    if (validate_list_ids(json_object_get(a, "include_lists"), "audience.include_lists", err) ||
        validate_list_ids(json_object_get(a, "exclude_lists"), "audience.exclude_lists", err))
        return -1;
    const json_t *rules = json_object_get(a, "rules");
    if (rules && !json_is_object(rules)) {
        api_field_error_set(err, "audience.rules", "audience.rules must be an object");
        return -1;
    }
    if (json_object_size(a) == 0) {
        api_field_error_set(err, "audience",
                            "audience must name include_lists, rules or from_campaign (an empty "
                            "audience would send to every contact)");
        return -1;
    }
#ifdef HERALD_API_HAVE_SEGMENTER
    char why[200];
    if (segment_validate(a, why, sizeof(why)) != 0) {
        api_audience_error_field(why, err->field, sizeof(err->field));
        snprintf(err->message, sizeof(err->message), "%s", why);
        return -1;
    }
#endif
    return 0;
}

static int validate_rate(const json_t *v, struct api_field_error *err)
{
    if (json_is_null(v))
        return 0;
    double r = json_is_number(v) ? json_number_value(v) : -1;
    if (!json_is_number(v) || !isfinite(r) || r <= 0 || r > RATE_MAX) {
        api_field_error_set(err, "rate_limit_per_second",
                            "rate_limit_per_second must be null or a number in (0, %.0f]",
                            RATE_MAX);
        return -1;
    }
    return 0;
}

/* max_failure_rate: null, or the failure guard's share for this campaign (failure_guard.h). */
static int validate_failure_rate(const json_t *v, struct api_field_error *err)
{
    if (json_is_null(v))
        return 0;
    double r = json_is_number(v) ? json_number_value(v) : -1;
    if (!(r > 0 && r < 1)) {
        api_field_error_set(err, "max_failure_rate",
                            "max_failure_rate must be null or a share in (0, 1), e.g. 0.2");
        return -1;
    }
    return 0;
}

/* send_window: null, or the segmenter's own check (send_window.c); the zone's existence is
 * the segmenter's to say when it applies the command (PostgreSQL's tz database). */
static int validate_send_window(const json_t *v, struct api_field_error *err)
{
    if (json_is_null(v))
        return 0;
#ifdef HERALD_API_HAVE_SEGMENTER
    char canonical[SEND_WINDOW_JSON_MAX], why[200];
    if (send_window_normalize(v, canonical, sizeof(canonical), why, sizeof(why)) != 0) {
        size_t n = strcspn(why, ":");
        snprintf(err->field, sizeof(err->field), "%.*s", (int)n, why);
        snprintf(err->message, sizeof(err->message), "%s", why);
        return -1;
    }
#else
    if (!json_is_object(v)) {
        api_field_error_set(err, "send_window", "send_window must be an object or null");
        return -1;
    }
#endif
    return 0;
}

static int check_known_fields(const json_t *in, struct api_field_error *err)
{
    static const char *const known[] = {
        "name",        "phone_number_id", "template", "audience", "rate_limit_per_second",
        "send_window", "max_failure_rate"};
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)in, key, v)
    {
        size_t i = 0;
        while (i < sizeof(known) / sizeof(known[0]) && strcmp(key, known[i]))
            i++;
        if (i == sizeof(known) / sizeof(known[0])) {
            api_field_error_set(err, key, "unknown field %.60s", key);
            return -1;
        }
    }
    return 0;
}

static int require(const json_t *in, const char *field, struct api_field_error *err)
{
    if (json_object_get(in, field))
        return 0;
    api_field_error_set(err, field, "%s is required", field);
    return -1;
}

json_t *api_campaign_validate(const json_t *in, int partial, struct api_field_error *err)
{
    if (!json_is_object(in)) {
        api_field_error_set(err, "", "body must be a JSON object");
        return NULL;
    }
    if (check_known_fields(in, err) != 0)
        return NULL;
    if (partial && json_object_size(in) == 0) {
        api_field_error_set(err, "", "nothing to update: give at least one field");
        return NULL;
    }
    if (!partial && (require(in, "name", err) || require(in, "phone_number_id", err) ||
                     require(in, "template", err) || require(in, "audience", err)))
        return NULL;
    const json_t *v;
    if ((v = json_object_get(in, "name")) && validate_name(v, err))
        return NULL;
    if ((v = json_object_get(in, "phone_number_id")) && validate_phone_number_id(v, err))
        return NULL;
    if ((v = json_object_get(in, "audience")) && validate_audience(v, err))
        return NULL;
    if ((v = json_object_get(in, "rate_limit_per_second")) && validate_rate(v, err))
        return NULL;
    if ((v = json_object_get(in, "send_window")) && validate_send_window(v, err))
        return NULL;
    if ((v = json_object_get(in, "max_failure_rate")) && validate_failure_rate(v, err))
        return NULL;
    json_t *tmpl = NULL;
    if ((v = json_object_get(in, "template")) && !(tmpl = validate_template(v, partial, err)))
        return NULL;
    json_t *out = json_object();
    const char *copy[] = {"name",        "phone_number_id", "audience", "rate_limit_per_second",
                          "send_window", "max_failure_rate"};
    for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
        if ((v = json_object_get(in, copy[i])))
            json_object_set_new(out, copy[i], json_deep_copy(v));
    if (!partial && !json_object_get(out, "rate_limit_per_second"))
        json_object_set_new(out, "rate_limit_per_second", json_null());
    if (tmpl)
        json_object_set_new(out, "template", tmpl);
    return out;
}

int api_schedule_validate(const json_t *in, int64_t now_s, char at_out[21],
                          struct api_field_error *err)
{
    const json_t *at = json_is_object(in) ? json_object_get(in, "at") : NULL;
    int64_t t;
    if (!json_is_string(at) || api_time_parse_rfc3339(json_string_value(at), &t) != 0) {
        api_field_error_set(err, "at",
                            "at must be an RFC 3339 time such as \"2026-11-25T20:00:00Z\"");
        return -1;
    }
    if (t < now_s - 60) {
        api_field_error_set(err, "at", "at is in the past");
        return -1;
    }
    api_time_format_utc(t, at_out);
    return 0;
}

int api_command_id_new(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

json_t *api_command_build(const char *command_id, const char *type, int64_t campaign_id,
                          const json_t *extra)
{
    json_t *cmd = json_pack("{s:s, s:s, s:I}", "command_id", command_id, "type", type,
                            "campaign_id", (json_int_t)campaign_id);
    if (cmd && extra)
        json_object_update(cmd, (json_t *)extra);
    return cmd;
}
