/*
 * ctl_campaign_spec.c - campaign definition from flags; see ctl_campaign_spec.h.
 */
#include "ctl_campaign_spec.h"

#include "ctl_json_arg.h"
#include "ctl_parse.h"

#include <herald/media_link.h>
#include <stdio.h>
#include <string.h>

const struct ctl_opt_spec ctl_campaign_spec_opts[] = {
    {"name", 0, CTL_OPT_VALUE, "TEXT", "campaign name"},
    {"phone-number-id", 0, CTL_OPT_VALUE, "ID", "WhatsApp business phone number id to send from"},
    {"template", 0, CTL_OPT_VALUE, "NAME", "approved message template name"},
    {"language", 0, CTL_OPT_VALUE, "CODE", "template language (default en)"},
    {"param", 0, CTL_OPT_MULTI, "FIELD",
     "template parameter {{n}}: name, phone, attributes.<key> or =literal"},
    {"header", 0, CTL_OPT_VALUE, "KIND:VALUE",
     "template header: image|video|document:URL (the same for all) or text:FIELD; none"},
    {"button", 0, CTL_OPT_MULTI, "KIND:FIELD",
     "template button in order: url:FIELD (URL suffix), copy_code:FIELD, quick_reply:FIELD; "
     "none"},
    {"list", 0, CTL_OPT_MULTI, "ID", "include the contacts of this list"},
    {"exclude-list", 0, CTL_OPT_MULTI, "ID", "exclude the contacts of this list"},
    {"rule", 0, CTL_OPT_MULTI, "JSON|@FILE", "segment rule (docs/segments.md); several are AND-ed"},
    {"not-messaged-within", 0, CTL_OPT_VALUE, "HOURS",
     "leave out contacts sent a campaign message in the last HOURS (frequency cap)"},
    {"from-campaign", 0, CTL_OPT_VALUE, "SPEC",
     "only recipients of an earlier campaign: ID, or ID:OUTCOME,... (e.g. 42:delivered,sent)"},
    {"audience", 0, CTL_OPT_VALUE, "JSON|@FILE", "whole audience object (flags above override)"},
    {"send-window", 0, CTL_OPT_VALUE, "HOURS",
     "send only in these local hours: 09:00-20:00@Europe/Berlin (no zone: UTC; none: any)"},
    {"rate", 0, CTL_OPT_VALUE, "N|none", "rate limit in messages per second (none = account max)"},
    {"max-failure-rate", 0, CTL_OPT_VALUE, "SHARE|none",
     "pause the campaign once more than this share of its messages failed: 0.2 or 20% (none = "
     "the segmenter's pause_above_failure_rate)"},
    {"file", 'f', CTL_OPT_VALUE, "FILE", "campaign JSON file (flags override its fields)"},
    {NULL, 0, 0, NULL, NULL},
};

static int fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
    snprintf(err, errlen, fmt, arg);
    return -1;
}

/* Ensures obj[key] is an object and returns it (borrowed). */
static json_t *child_object(json_t *obj, const char *key)
{
    json_t *c = json_object_get(obj, key);
    if (!json_is_object(c)) {
        c = json_object();
        json_object_set_new(obj, key, c);
    }
    return c;
}

static int load_base(const struct ctl_opts *opts, json_t **out, char *err, size_t errlen)
{
    const char *file = ctl_opts_get(opts, "file");
    if (!file) {
        *out = json_object();
        return 0;
    }
    json_t *v = ctl_json_file_load(file, err, errlen);
    if (!v)
        return -1;
    json_t *inner = json_object_get(v, "campaign");
    if (json_is_object(inner)) {
        json_incref(inner);
        json_decref(v);
        v = inner;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return fail(err, errlen, "%s: a campaign file must hold a JSON object", file);
    }
    *out = v;
    return 0;
}

static void set_string(json_t *obj, const char *key, const char *value)
{
    if (value)
        json_object_set_new(obj, key, json_string(value));
}

static int apply_template(const struct ctl_opts *opts, json_t *c)
{
    const char *name = ctl_opts_get(opts, "template");
    const char *lang = ctl_opts_get(opts, "language");
    int nparams;
    const char **params = ctl_opts_get_all(opts, "param", &nparams);
    if (!name && !lang && nparams == 0)
        return 0;
    json_t *t = child_object(c, "template");
    set_string(t, "name", name);
    set_string(t, "language", lang);
    if (nparams > 0) {
        json_t *arr = json_array();
        for (int i = 0; i < nparams; i++)
            json_array_append_new(arr, json_string(params[i]));
        json_object_set_new(t, "params", arr);
    }
    return 0;
}

/* "image:https://..." -> {"type":"image","link":...}; "image:1013859600285441" (digits: the ID
 * of media uploaded before) -> {"type":"image","id":...}; "text:name" -> {"type":"text",
 * "param":"name"}; "none" -> null. The segmenter checks the rest (template_components.c). */
static json_t *header_from_flag(const char *arg, char *err, size_t errlen)
{
    if (strcmp(arg, "none") == 0)
        return json_null();
    const char *colon = strchr(arg, ':');
    size_t n = colon ? (size_t)(colon - arg) : 0;
    if (colon && n == 4 && strncmp(arg, "text", 4) == 0)
        return json_pack("{s:s, s:s}", "type", "text", "param", colon + 1);
    if (colon &&
        ((n == 5 && strncmp(arg, "image", 5) == 0) || (n == 5 && strncmp(arg, "video", 5) == 0) ||
         (n == 8 && strncmp(arg, "document", 8) == 0))) {
        const char *media = colon + 1;
        return json_pack("{s:s%, s:s}", "type", arg, n,
                         herald_media_id_valid(media) ? "id" : "link", media);
    }
    fail(err, errlen,
         "--header %s: image:URL|ID, video:URL|ID, document:URL|ID, text:FIELD or none", arg);
    return NULL;
}

static int apply_components(const struct ctl_opts *opts, json_t *c, char *err, size_t errlen)
{
    const char *header = ctl_opts_get(opts, "header");
    int nbuttons;
    const char **buttons = ctl_opts_get_all(opts, "button", &nbuttons);
    if (!header && nbuttons == 0)
        return 0;
    json_t *t = child_object(c, "template");
    if (header) {
        json_t *h = header_from_flag(header, err, errlen);
        if (!h)
            return -1;
        json_object_set_new(t, "header", h);
    }
    if (nbuttons == 1 && strcmp(buttons[0], "none") == 0) {
        json_object_set_new(t, "buttons", json_null());
        return 0;
    }
    json_t *arr = nbuttons ? json_array() : NULL;
    for (int i = 0; i < nbuttons; i++) {
        const char *colon = strchr(buttons[i], ':');
        if (!colon || colon == buttons[i]) {
            json_decref(arr);
            return fail(err, errlen, "--button %s: url:FIELD, copy_code:FIELD or quick_reply:FIELD",
                        buttons[i]);
        }
        json_array_append_new(arr, json_pack("{s:s%, s:s}", "sub_type", buttons[i],
                                             (size_t)(colon - buttons[i]), "param", colon + 1));
    }
    if (arr)
        json_object_set_new(t, "buttons", arr);
    return 0;
}

static int id_array(const struct ctl_opts *opts, const char *opt, json_t **out, char *err,
                    size_t errlen)
{
    int n;
    const char **vals = ctl_opts_get_all(opts, opt, &n);
    *out = NULL;
    if (n == 0)
        return 0;
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        long long id;
        if (ctl_parse_id(vals[i], &id) != 0) {
            json_decref(arr);
            snprintf(err, errlen, "--%s %s: a list id is a positive integer", opt, vals[i]);
            return -1;
        }
        json_array_append_new(arr, json_integer(id));
    }
    *out = arr;
    return 0;
}

/* One --rule is used as given; several become {"all":[...]}. */
static int rules_from_opts(const struct ctl_opts *opts, json_t **out, char *err, size_t errlen)
{
    int n;
    const char **vals = ctl_opts_get_all(opts, "rule", &n);
    *out = NULL;
    if (n == 0)
        return 0;
    json_t *all = json_array();
    for (int i = 0; i < n; i++) {
        char why[200];
        json_t *r = ctl_json_arg_load(vals[i], why, sizeof(why));
        if (!json_is_object(r)) {
            json_decref(r);
            json_decref(all);
            snprintf(err, errlen, "--rule: %s", r ? "a rule is a JSON object" : why);
            return -1;
        }
        json_array_append_new(all, r);
    }
    if (n == 1) {
        *out = json_incref(json_array_get(all, 0));
        json_decref(all);
    } else {
        *out = json_pack("{s:o}", "all", all);
    }
    return 0;
}

/* --from-campaign 42 or 42:delivered,sent -> {"campaign_id": 42, "outcomes": [...]}; the
 * outcome words are checked by the segmenter (its answer names the valid ones). */
json_t *ctl_from_campaign_parse(const char *arg, char *err, size_t errlen)
{
    char id_text[24];
    size_t n = strcspn(arg, ":");
    long long id;
    snprintf(id_text, sizeof(id_text), "%.*s", (int)(n < sizeof(id_text) ? n : 0), arg);
    if (ctl_parse_id(id_text, &id) != 0) {
        fail(err, errlen, "--from-campaign %s: expected ID or ID:OUTCOME,... (e.g. 42:read)", arg);
        return NULL;
    }
    json_t *from = json_pack("{s:I}", "campaign_id", (json_int_t)id);
    if (!from || arg[n] != ':')
        return from;
    json_t *outcomes = json_array();
    for (const char *p = arg + n + 1; outcomes;) {
        size_t len = strcspn(p, ",");
        if (len == 0) {
            json_decref(outcomes);
            json_decref(from);
            fail(err, errlen, "--from-campaign %s: an empty outcome", arg);
            return NULL;
        }
        json_array_append_new(outcomes, json_stringn(p, len));
        if (!p[len])
            break;
        p += len + 1;
    }
    json_object_set_new(from, "outcomes", outcomes);
    return from;
}

static int apply_audience(const struct ctl_opts *opts, json_t *c, char *err, size_t errlen)
{
    const char *aud_arg = ctl_opts_get(opts, "audience");
    if (aud_arg) {
        json_t *aud = ctl_json_arg_load(aud_arg, err, errlen);
        if (!json_is_object(aud)) {
            if (aud)
                snprintf(err, errlen, "--audience: the audience is a JSON object");
            json_decref(aud);
            return -1;
        }
        json_object_set_new(c, "audience", aud);
    }
    json_t *inc, *exc, *rules;
    if (id_array(opts, "list", &inc, err, errlen) ||
        id_array(opts, "exclude-list", &exc, err, errlen))
        return -1;
    if (rules_from_opts(opts, &rules, err, errlen) != 0) {
        json_decref(inc);
        json_decref(exc);
        return -1;
    }
    const char *cap_arg = ctl_opts_get(opts, "not-messaged-within");
    long long cap = 0;
    if (cap_arg && ctl_parse_id(cap_arg, &cap) != 0) {
        json_decref(inc);
        json_decref(exc);
        json_decref(rules);
        return fail(err, errlen, "--not-messaged-within %s: a whole number of hours > 0", cap_arg);
    }
    const char *from_arg = ctl_opts_get(opts, "from-campaign");
    json_t *from = from_arg ? ctl_from_campaign_parse(from_arg, err, errlen) : NULL;
    if (from_arg && !from) {
        json_decref(inc);
        json_decref(exc);
        json_decref(rules);
        return -1;
    }
    if (!inc && !exc && !rules && !cap_arg && !from)
        return 0;
    json_t *a = child_object(c, "audience");
    if (from)
        json_object_set_new(a, "from_campaign", from);
    if (cap_arg)
        json_object_set_new(a, "not_messaged_within_hours", json_integer(cap));
    if (inc)
        json_object_set_new(a, "include_lists", inc);
    if (exc)
        json_object_set_new(a, "exclude_lists", exc);
    if (rules)
        json_object_set_new(a, "rules", rules);
    return 0;
}

json_t *ctl_send_window_parse(const char *arg, char *err, size_t errlen)
{
    if (strcmp(arg, "none") == 0)
        return json_null();
    const char *dash = strchr(arg, '-');
    const char *at = strchr(arg, '@');
    size_t from_len = dash ? (size_t)(dash - arg) : 0;
    size_t to_len = !dash ? 0 : at ? (size_t)(at - dash - 1) : strlen(dash + 1);
    if (!dash || (at && at < dash) || from_len == 0 || from_len > 8 || to_len == 0 || to_len > 8 ||
        (at && !at[1])) {
        fail(err, errlen, "--send-window %s: expected HH:MM-HH:MM[@ZONE] or none", arg);
        return NULL;
    }
    char from[9], to[9];
    snprintf(from, sizeof(from), "%.*s", (int)from_len, arg);
    snprintf(to, sizeof(to), "%.*s", (int)to_len, dash + 1);
    json_t *w = json_pack("{s:s, s:s}", "from", from, "to", to);
    if (w && at)
        json_object_set_new(w, "time_zone", json_string(at + 1));
    return w;
}

static int apply_send_window(const struct ctl_opts *opts, json_t *c, char *err, size_t errlen)
{
    const char *arg = ctl_opts_get(opts, "send-window");
    if (!arg)
        return 0;
    json_t *w = ctl_send_window_parse(arg, err, errlen);
    if (!w)
        return -1;
    json_object_set_new(c, "send_window", w);
    return 0;
}

static int apply_rate(const struct ctl_opts *opts, json_t *c, char *err, size_t errlen)
{
    const char *rate = ctl_opts_get(opts, "rate");
    if (!rate)
        return 0;
    if (strcmp(rate, "none") == 0) {
        json_object_set_new(c, "rate_limit_per_second", json_null());
        return 0;
    }
    double r;
    if (ctl_parse_positive(rate, &r) != 0)
        return fail(err, errlen, "--rate %s: a rate is a number > 0 (or none)", rate);
    json_object_set_new(c, "rate_limit_per_second", json_real(r));
    return 0;
}

/* --max-failure-rate 0.2 | 20% | none (the failure guard, docs/segmenter.md). */
static int apply_failure_rate(const struct ctl_opts *opts, json_t *c, char *err, size_t errlen)
{
    const char *arg = ctl_opts_get(opts, "max-failure-rate");
    if (!arg)
        return 0;
    if (strcmp(arg, "none") == 0) {
        json_object_set_new(c, "max_failure_rate", json_null());
        return 0;
    }
    char number[32];
    size_t n = strlen(arg);
    bool percent = n > 1 && arg[n - 1] == '%';
    snprintf(number, sizeof(number), "%.*s", (int)(percent ? n - 1 : n), arg);
    double r = 0;
    int ok = n < sizeof(number) && ctl_parse_positive(number, &r) == 0;
    if (ok && percent)
        r /= 100;
    if (!ok || r >= 1)
        return fail(err, errlen,
                    "--max-failure-rate %s: a share below 1 (0.2) or a percentage below 100 "
                    "(20%%), or none",
                    arg);
    json_object_set_new(c, "max_failure_rate", json_real(r));
    return 0;
}

static const char *nested_string(json_t *c, const char *k1, const char *k2)
{
    json_t *v = json_object_get(c, k1);
    if (k2)
        v = json_object_get(v, k2);
    return json_string_value(v);
}

static int check_create(json_t *c, char *err, size_t errlen)
{
    if (!nested_string(c, "name", NULL) || !*nested_string(c, "name", NULL))
        return fail(err, errlen, "%s", "missing --name");
    if (!nested_string(c, "phone_number_id", NULL))
        return fail(err, errlen, "%s", "missing --phone-number-id");
    if (!nested_string(c, "template", "name"))
        return fail(err, errlen, "%s", "missing --template");
    json_t *t = json_object_get(c, "template");
    if (!json_object_get(t, "language"))
        json_object_set_new(t, "language", json_string("en"));
    if (!json_object_get(t, "params"))
        json_object_set_new(t, "params", json_array());
    return 0;
}

json_t *ctl_campaign_spec_build(const struct ctl_opts *opts, bool for_create, char *err,
                                size_t errlen)
{
    json_t *c = NULL;
    if (load_base(opts, &c, err, errlen) != 0)
        return NULL;
    set_string(c, "name", ctl_opts_get(opts, "name"));
    set_string(c, "phone_number_id", ctl_opts_get(opts, "phone-number-id"));
    if (apply_template(opts, c) || apply_components(opts, c, err, errlen) ||
        apply_audience(opts, c, err, errlen) || apply_rate(opts, c, err, errlen) ||
        apply_send_window(opts, c, err, errlen) || apply_failure_rate(opts, c, err, errlen))
        goto fail;
    if (for_create && check_create(c, err, errlen) != 0)
        goto fail;
    if (!for_create && json_object_size(c) == 0) {
        fail(err, errlen, "%s", "nothing to update: give at least one field flag or --file");
        goto fail;
    }
    return c;
fail:
    json_decref(c);
    return NULL;
}
