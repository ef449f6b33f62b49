/*
 * plugin_config_map.c - parse a plugin's config section through its config_map.
 *
 * Precedence per option: environment variable (when the map names one) > file > default.
 * Secrets are meant to come from the environment, so errors about env values never echo
 * the value itself.
 */
#include "plugin_config_map.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *type_name(herald_config_type t)
{
    switch (t) {
    case HERALD_CONFIG_STR:
        return "string";
    case HERALD_CONFIG_INT:
        return "integer";
    case HERALD_CONFIG_DOUBLE:
        return "number";
    case HERALD_CONFIG_BOOL:
        return "boolean";
    case HERALD_CONFIG_SETTING:
        return "setting";
    }
    return "?";
}

/* Parses a textual value (default or env) into the field. Returns 0 or -1. */
static int store_text(const struct herald_config_option *o, void *ctx, const char *text)
{
    char *field = (char *)ctx + o->offset;
    char *end = NULL;
    errno = 0;
    switch (o->type) {
    case HERALD_CONFIG_STR: {
        char *copy = strdup(text);
        if (!copy)
            return -1;
        free(*(char **)field);
        *(char **)field = copy;
        return 0;
    }
    case HERALD_CONFIG_INT: {
        long long v = strtoll(text, &end, 0);
        if (errno || end == text || *end)
            return -1;
        int64_t i = v;
        memcpy(field, &i, sizeof i);
        return 0;
    }
    case HERALD_CONFIG_DOUBLE: {
        double d = strtod(text, &end);
        if (errno || end == text || *end)
            return -1;
        memcpy(field, &d, sizeof d);
        return 0;
    }
    case HERALD_CONFIG_BOOL: {
        int b;
        if (!strcasecmp(text, "true") || !strcmp(text, "1") || !strcasecmp(text, "yes") ||
            !strcasecmp(text, "on"))
            b = 1;
        else if (!strcasecmp(text, "false") || !strcmp(text, "0") || !strcasecmp(text, "no") ||
                 !strcasecmp(text, "off"))
            b = 0;
        else
            return -1;
        memcpy(field, &b, sizeof b);
        return 0;
    }
    case HERALD_CONFIG_SETTING:
        return -1; /* no textual form: neither a default nor an env override */
    }
    return -1;
}

/* Stores a libconfig setting into the field. Returns 0, or -1 on a type mismatch. */
static int store_setting(const struct herald_config_option *o, void *ctx, const config_setting_t *s)
{
    char *field = (char *)ctx + o->offset;
    int t = config_setting_type(s);
    switch (o->type) {
    case HERALD_CONFIG_STR:
        if (t != CONFIG_TYPE_STRING)
            return -1;
        return store_text(o, ctx, config_setting_get_string(s));
    case HERALD_CONFIG_INT: {
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return -1;
        int64_t v = config_setting_get_int64(s);
        memcpy(field, &v, sizeof v);
        return 0;
    }
    case HERALD_CONFIG_DOUBLE: {
        double d;
        if (t == CONFIG_TYPE_FLOAT)
            d = config_setting_get_float(s);
        else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            d = (double)config_setting_get_int64(s);
        else
            return -1;
        memcpy(field, &d, sizeof d);
        return 0;
    }
    case HERALD_CONFIG_BOOL: {
        if (t != CONFIG_TYPE_BOOL)
            return -1;
        int b = config_setting_get_bool(s);
        memcpy(field, &b, sizeof b);
        return 0;
    }
    case HERALD_CONFIG_SETTING:
        return 0; /* the plugin reads it itself */
    }
    return -1;
}

static int is_known(const struct herald_config_option *map, const char *key)
{
    for (const struct herald_config_option *o = map; o && o->name; o++)
        if (strcmp(o->name, key) == 0)
            return 1;
    return 0;
}

static int apply_one(const struct herald_config_option *o, const config_setting_t *section,
                     void *ctx, const char *file, const char *where, char *err, size_t errlen)
{
    const char *env = o->env ? getenv(o->env) : NULL;
    if (env) {
        if (store_text(o, ctx, env) == 0)
            return 0;
        snprintf(err, errlen, "env %s (for %s.%s): expected a %s", o->env, where, o->name,
                 type_name(o->type));
        return -1;
    }
    config_setting_t *s = section ? config_setting_get_member(section, o->name) : NULL;
    if (s) {
        if (store_setting(o, ctx, s) == 0)
            return 0;
        snprintf(err, errlen, "%s:%d: %s.%s: expected a %s", file,
                 (int)config_setting_source_line(s), where, o->name, type_name(o->type));
        return -1;
    }
    if (o->required) {
        if (o->env)
            snprintf(err, errlen, "%s: %s.%s: required (or set env %s)", file, where, o->name,
                     o->env);
        else
            snprintf(err, errlen, "%s: %s.%s: required", file, where, o->name);
        return -1;
    }
    if (o->default_value && store_text(o, ctx, o->default_value)) {
        snprintf(err, errlen, "plugin bug: default '%s' of %s.%s is not a %s", o->default_value,
                 where, o->name, type_name(o->type));
        return -1;
    }
    return 0;
}

/* A key the map does not name is refused rather than ignored: a typo in an option name would
 * otherwise start the stage on the option's default, and nothing says so but a log line. */
static int refuse_unknown(const struct herald_config_option *map, const config_setting_t *section,
                          const char *file, const char *where, const char *plugin, char *err,
                          size_t errlen)
{
    int n = section ? config_setting_length(section) : 0;
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(section, (unsigned)i);
        const char *key = config_setting_name(s);
        if (key && is_known(map, key))
            continue;
        snprintf(err, errlen,
                 "%s:%d: %s.%s: not an option of plugin '%s' (herald-stage --help-config %s "
                 "lists them)",
                 file, (int)config_setting_source_line(s), where, key ? key : "?", plugin, plugin);
        return -1;
    }
    return 0;
}

int config_map_apply(const struct herald_config_option *map, const config_setting_t *section,
                     void *ctx, const char *file, const char *where, const char *plugin, char *err,
                     size_t errlen)
{
    if (refuse_unknown(map, section, file, where, plugin, err, errlen))
        return -1;
    for (const struct herald_config_option *o = map; o && o->name; o++) {
        if (apply_one(o, section, ctx, file, where, err, errlen)) {
            config_map_free(map, ctx);
            return -1;
        }
    }
    return 0;
}

void config_map_free(const struct herald_config_option *map, void *ctx)
{
    for (const struct herald_config_option *o = map; o && o->name; o++) {
        if (o->type != HERALD_CONFIG_STR)
            continue;
        char **field = (char **)((char *)ctx + o->offset);
        free(*field);
        *field = NULL;
    }
}

void config_map_print(const struct herald_config_option *map, FILE *out)
{
    if (!map || !map->name) {
        fprintf(out, "  (no options)\n");
        return;
    }
    for (const struct herald_config_option *o = map; o->name; o++) {
        fprintf(out, "  %-24s %-8s %s", o->name, type_name(o->type),
                o->required ? "required" : "optional");
        if (o->default_value)
            fprintf(out, ", default \"%s\"", o->default_value);
        if (o->env)
            fprintf(out, ", env %s", o->env);
        fprintf(out, "\n      %s\n", o->description ? o->description : "");
    }
}
