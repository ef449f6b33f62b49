/*
 * campaign_definition.c - validation of create/update campaign objects (see header).
 */
#include "campaign_definition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_keys.h"
#include "segment_rules.h"
#include "send_window.h"
#include "template_components.h"
#include "template_params.h"

#define MAX_RATE_PER_SECOND 10000.0

/* A string field: absent -> 0 and *out NULL; present and valid -> 0; else -1. */
static int text_field(const json_t *obj, const char *key, const char *label, size_t maxlen,
                      const char **out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    const char *s = json_string_value(v);
    if (!s || strlen(s) != json_string_length(v) || !*s || strlen(s) > maxlen) {
        snprintf(err, errlen, "%s must be a non-empty string of at most %zu bytes", label, maxlen);
        return -1;
    }
    *out = s;
    return 0;
}

static int parse_template(const json_t *tpl, struct campaign_fields *f, char *err, size_t errlen)
{
    static const char *const keys[] = {"name", "language", "params", "header", "buttons", NULL};
    if (!json_is_object(tpl)) {
        snprintf(err, errlen,
                 "template must be an object {name, language, params, header, "
                 "buttons}");
        return -1;
    }
    if (json_only_keys(tpl, keys, "template", err, errlen) != 0 ||
        text_field(tpl, "name", "template.name", 512, &f->template_name, err, errlen) != 0 ||
        text_field(tpl, "language", "template.language", 16, &f->template_language, err, errlen) !=
            0)
        return -1;
    const json_t *params = json_object_get(tpl, "params");
    if (params) {
        if (template_params_validate(params, err, errlen) != 0)
            return -1;
        f->template_params = json_dumps(params, JSON_COMPACT);
    }
    const json_t *header = json_object_get(tpl, "header");
    const json_t *buttons = json_object_get(tpl, "buttons");
    if (header || buttons) {
        json_t *c = template_components_parse(json_is_null(header) ? NULL : header,
                                              json_is_null(buttons) ? NULL : buttons, err, errlen);
        if (!c)
            return -1;
        snprintf(f->components_given, sizeof(f->components_given), "{%s%s%s}",
                 header ? "header" : "", header && buttons ? "," : "", buttons ? "buttons" : "");
        f->template_components = json_dumps(c, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(c);
        if (!f->template_components) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

static int parse_rate(const json_t *rate, struct campaign_fields *f, char *err, size_t errlen)
{
    f->rate_given = 1;
    if (json_is_null(rate))
        return 0;
    double r = json_is_number(rate) ? json_number_value(rate) : -1;
    if (!(r > 0 && r <= MAX_RATE_PER_SECOND)) {
        snprintf(err, errlen, "rate_limit_per_second must be null or a number in (0, %.0f]",
                 MAX_RATE_PER_SECOND);
        return -1;
    }
    snprintf(f->rate, sizeof(f->rate), "%.17g", r);
    return 0;
}

/* max_failure_rate: the failure guard's threshold for this campaign (failure_guard.h). */
static int parse_failure_rate(const json_t *v, struct campaign_fields *f, char *err, size_t errlen)
{
    f->failure_given = 1;
    if (json_is_null(v))
        return 0;
    double r = json_is_number(v) ? json_number_value(v) : -1;
    if (!(r > 0 && r < 1)) {
        snprintf(err, errlen, "max_failure_rate must be null or a share in (0, 1), e.g. 0.2");
        return -1;
    }
    snprintf(f->failure_rate, sizeof(f->failure_rate), "%.17g", r);
    return 0;
}

static int require_for_create(const struct campaign_fields *f, char *err, size_t errlen)
{
    const char *missing = !f->name              ? "name"
                          : !f->phone_number_id ? "phone_number_id"
                          : !f->template_name   ? "template.name"
                                                : NULL;
    if (missing) {
        snprintf(err, errlen, "campaign.%s is required", missing);
        return -1;
    }
    return 0;
}

int campaign_fields_parse(const json_t *campaign, int for_create, struct campaign_fields *f,
                          char *err, size_t errlen)
{
    static const char *const keys[] = {
        "name",        "phone_number_id",  "template", "audience", "rate_limit_per_second",
        "send_window", "max_failure_rate", NULL};
    memset(f, 0, sizeof(*f));
    if (!json_is_object(campaign)) {
        snprintf(err, errlen, "'campaign' must be an object");
        return -1;
    }
    if (!for_create && json_object_size(campaign) == 0) {
        snprintf(err, errlen, "'campaign' has nothing to update");
        return -1;
    }
    if (json_only_keys(campaign, keys, "campaign", err, errlen) != 0 ||
        text_field(campaign, "name", "campaign.name", 200, &f->name, err, errlen) != 0 ||
        text_field(campaign, "phone_number_id", "campaign.phone_number_id", 64, &f->phone_number_id,
                   err, errlen) != 0)
        return -1;
    const json_t *tpl = json_object_get(campaign, "template");
    if (tpl && parse_template(tpl, f, err, errlen) != 0)
        return -1;
    const json_t *audience = json_object_get(campaign, "audience");
    if (audience) {
        char why[256];
        if (segment_validate(audience, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "campaign.audience: %s", why);
            return -1;
        }
        f->audience = json_dumps(audience, JSON_COMPACT);
    }
    const json_t *rate = json_object_get(campaign, "rate_limit_per_second");
    if (rate && parse_rate(rate, f, err, errlen) != 0)
        return -1;
    const json_t *window = json_object_get(campaign, "send_window");
    f->window_given = window != NULL;
    if (window && !json_is_null(window) &&
        send_window_normalize(window, f->window, sizeof(f->window), err, errlen) != 0)
        return -1;
    const json_t *failure = json_object_get(campaign, "max_failure_rate");
    if (failure && parse_failure_rate(failure, f, err, errlen) != 0)
        return -1;
    if (for_create && !f->template_language)
        f->template_language = "en";
    return for_create ? require_for_create(f, err, errlen) : 0;
}

void campaign_fields_free(struct campaign_fields *f)
{
    free(f->template_params);
    free(f->audience);
    free(f->template_components);
    f->template_params = f->audience = f->template_components = NULL;
}
