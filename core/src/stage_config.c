/*
 * stage_config.c - load, default, override and validate a stage configuration file.
 *
 * Why so strict: a typo in a key ("kafka.broker") would otherwise silently fall back to a
 * default and send a stage to the wrong place. Unknown keys in the host's sections are
 * refused, every type is checked, and every message names the file, line and key path.
 */
#include "stage_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct loader {
    struct stage_config *c;
    char *err;
    size_t errlen;
};

static int fail_at(struct loader *l, const config_setting_t *s, const char *path, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct loader *l, const config_setting_t *s, const char *path, const char *fmt,
                   ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int line = s ? (int)config_setting_source_line(s) : 0;
    if (line > 0)
        snprintf(l->err, l->errlen, "%s:%d: %s: %s", l->c->file, line, path, what);
    else
        snprintf(l->err, l->errlen, "%s: %s: %s", l->c->file, path, what);
    /* The message quotes config values; a newline or control byte in one must not break the
     * one-line refusal (found by tests/fuzz/fuzz_stage_config). */
    for (char *p = l->err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return -1;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        fputs("out of memory\n", stderr);
        abort();
    }
    return d;
}

static int get_str(struct loader *l, const config_setting_t *group, const char *section,
                   const char *key, const char *def, char **out)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", section, key);
    config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
    if (!s) {
        *out = xstrdup(def);
        return 0;
    }
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail_at(l, s, path, "expected a string");
    *out = xstrdup(config_setting_get_string(s));
    return 0;
}

static int get_int(struct loader *l, const config_setting_t *group, const char *section,
                   const char *key, int64_t def, int64_t min, int64_t *out)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", section, key);
    config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
    if (!s) {
        *out = def;
        return 0;
    }
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return fail_at(l, s, path, "expected an integer");
    *out = config_setting_get_int64(s);
    if (*out < min)
        return fail_at(l, s, path, "must be >= %lld", (long long)min);
    return 0;
}

static int get_str_list(struct loader *l, const config_setting_t *group, const char *section,
                        const char *key, char ***out, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", section, key);
    *out = NULL;
    *n = 0;
    config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return fail_at(l, s, path, "expected a list of strings like [ \"a\", \"b\" ]");
    int count = config_setting_length(s);
    *out = calloc((size_t)count + 1, sizeof(char *));
    for (int i = 0; i < count; i++) {
        config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return fail_at(l, e, path, "element %d: expected a string", i);
        (*out)[i] = xstrdup(config_setting_get_string(e));
        (*n)++;
    }
    return 0;
}

/* Refuses keys the host does not know, so typos do not silently become defaults. */
static int check_known(struct loader *l, const config_setting_t *group, const char *section,
                       const char *const *known)
{
    if (!group)
        return 0;
    if (config_setting_type(group) != CONFIG_TYPE_GROUP)
        return fail_at(l, group, section, "expected a group { ... }");
    int count = config_setting_length(group);
    for (int i = 0; i < count; i++) {
        config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            ok |= strcmp(*k, name) == 0;
        if (!ok) {
            char path[256], list[512] = "";
            snprintf(path, sizeof path, "%s.%s", section, name);
            for (const char *const *k = known; *k; k++) {
                strncat(list, *k, sizeof list - strlen(list) - 1);
                if (k[1])
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            return fail_at(l, s, path, "unknown key (known: %s)", list);
        }
    }
    return 0;
}

static void env_override(char **field, const char *env)
{
    const char *v = getenv(env);
    if (v) {
        free(*field);
        *field = xstrdup(v);
    }
}

static int load_stage(struct loader *l, const config_setting_t *g)
{
    static const char *const known[] = {"name",           "tick_ms",    "drain_timeout_ms",
                                        "metrics_listen", "plugin_dir", "retry",
                                        "log_level",      NULL};
    struct stage_config *c = l->c;
    if (check_known(l, g, "stage", known) || get_str(l, g, "stage", "name", "herald", &c->name) ||
        get_int(l, g, "stage", "tick_ms", 100, 1, &c->tick_ms) ||
        get_int(l, g, "stage", "drain_timeout_ms", 15000, 0, &c->drain_timeout_ms) ||
        get_str(l, g, "stage", "metrics_listen", "127.0.0.1:0", &c->metrics_listen) ||
        get_str(l, g, "stage", "plugin_dir", "", &c->plugin_dir) ||
        get_str(l, g, "stage", "log_level", "info", &c->log_level))
        return -1;
    config_setting_t *r = g ? config_setting_get_member(g, "retry") : NULL;
    static const char *const rknown[] = {"initial_ms", "max_ms", NULL};
    if (check_known(l, r, "stage.retry", rknown) ||
        get_int(l, r, "stage.retry", "initial_ms", 200, 1, &c->retry_initial_ms) ||
        get_int(l, r, "stage.retry", "max_ms", 30000, 1, &c->retry_max_ms))
        return -1;
    if (c->retry_max_ms < c->retry_initial_ms)
        return fail_at(l, r, "stage.retry.max_ms", "must be >= stage.retry.initial_ms");
    return 0;
}

static int load_kafka(struct loader *l, const config_setting_t *g)
{
    static const char *const known[] = {"brokers",           "group_id",         "topic_prefix",
                                        "dead_letter_topic", "properties",       "batch_size",
                                        "max_in_flight",     "produce_block_ms", NULL};
    struct stage_config *c = l->c;
    if (check_known(l, g, "kafka", known) ||
        get_str(l, g, "kafka", "brokers", "127.0.0.1:19092", &c->brokers) ||
        get_str(l, g, "kafka", "group_id", "", &c->group_id) ||
        get_str(l, g, "kafka", "topic_prefix", "", &c->topic_prefix) ||
        get_str(l, g, "kafka", "dead_letter_topic", "", &c->dead_letter_topic) ||
        get_str_list(l, g, "kafka", "properties", &c->properties, &c->n_properties) ||
        get_int(l, g, "kafka", "batch_size", 500, 1, &c->batch_size) ||
        get_int(l, g, "kafka", "max_in_flight", 20000, 1, &c->max_in_flight) ||
        get_int(l, g, "kafka", "produce_block_ms", 5000, 0, &c->produce_block_ms))
        return -1;
    config_setting_t *props = g ? config_setting_get_member(g, "properties") : NULL;
    for (size_t i = 0; i < c->n_properties; i++)
        if (!strchr(c->properties[i], '=') || c->properties[i][0] == '=')
            return fail_at(l, props, "kafka.properties", "'%s' is not of the form key=value",
                           c->properties[i]);
    return 0;
}

static int load_postgres(struct loader *l, const config_setting_t *g)
{
    static const char *const known[] = {"conninfo", NULL};
    return check_known(l, g, "postgres", known) ||
                   get_str(l, g, "postgres", "conninfo", "", &l->c->pg_conninfo)
               ? -1
               : 0;
}

static int load_plugin(struct loader *l, config_setting_t *e, int i)
{
    static const char *const known[] = {"name", "path", "consume", "config", NULL};
    struct stage_plugin_config *p = &l->c->plugins[i];
    char section[64];
    snprintf(section, sizeof section, "plugins[%d]", i);
    p->index = i;
    if (config_setting_type(e) != CONFIG_TYPE_GROUP)
        return fail_at(l, e, section, "expected a group { name = \"...\"; ... }");
    if (check_known(l, e, section, known) || get_str(l, e, section, "name", "", &p->name) ||
        get_str(l, e, section, "path", "", &p->path) ||
        get_str_list(l, e, section, "consume", &p->consume, &p->n_consume))
        return -1;
    if (!p->name[0]) {
        char path[80];
        snprintf(path, sizeof path, "%s.name", section);
        return fail_at(l, e, path, "required");
    }
    if (!p->path[0]) {
        free(p->path);
        p->path = NULL;
    }
    p->config = config_setting_get_member(e, "config");
    if (p->config && config_setting_type(p->config) != CONFIG_TYPE_GROUP) {
        char path[80];
        snprintf(path, sizeof path, "%s.config", section);
        return fail_at(l, p->config, path, "expected a group { ... }");
    }
    return 0;
}

/* A topic routed to two plugins would need fan-out semantics nobody asked for. */
static int check_routes(struct loader *l, const config_setting_t *list)
{
    struct stage_config *c = l->c;
    for (size_t i = 0; i < c->n_plugins; i++)
        for (size_t t = 0; t < c->plugins[i].n_consume; t++)
            for (size_t j = 0; j <= i; j++)
                for (size_t u = 0; u < c->plugins[j].n_consume; u++) {
                    if (i == j && u >= t)
                        break;
                    if (strcmp(c->plugins[i].consume[t], c->plugins[j].consume[u]) == 0)
                        return fail_at(l, list, "plugins",
                                       "topic '%s' is consumed twice (plugins[%zu] and "
                                       "plugins[%zu]); route each topic to one plugin",
                                       c->plugins[i].consume[t], j, i);
                }
    return 0;
}

static int load_plugins(struct loader *l)
{
    struct stage_config *c = l->c;
    config_setting_t *list = config_lookup(&c->cfg, "plugins");
    if (!list)
        return fail_at(l, NULL, "plugins", "required: a list ( { name = \"...\"; } )");
    int t = config_setting_type(list);
    if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY)
        return fail_at(l, list, "plugins", "expected a list ( { name = \"...\"; } )");
    int n = config_setting_length(list);
    if (n == 0)
        return fail_at(l, list, "plugins", "at least one plugin is required");
    c->plugins = calloc((size_t)n, sizeof *c->plugins);
    c->n_plugins = (size_t)n;
    for (int i = 0; i < n; i++)
        if (load_plugin(l, config_setting_get_elem(list, (unsigned)i), i))
            return -1;
    return check_routes(l, list);
}

static int check_top_level(struct loader *l)
{
    static const char *const known[] = {"stage", "kafka", "postgres", "plugins", NULL};
    config_setting_t *root = config_root_setting(&l->c->cfg);
    int count = config_setting_length(root);
    for (int i = 0; i < count; i++) {
        config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            ok |= strcmp(*k, name) == 0;
        if (!ok)
            return fail_at(l, s, name, "unknown section (known: stage, kafka, postgres, plugins)");
    }
    return 0;
}

static void apply_env(struct stage_config *c)
{
    env_override(&c->brokers, "HERALD_KAFKA_BROKERS");
    env_override(&c->pg_conninfo, "HERALD_PG_CONNINFO");
    env_override(&c->topic_prefix, "HERALD_TOPIC_PREFIX");
    env_override(&c->name, "HERALD_STAGE_NAME");
    env_override(&c->metrics_listen, "HERALD_METRICS_LISTEN");
    env_override(&c->plugin_dir, "HERALD_PLUGIN_DIR");
    env_override(&c->log_level, "HERALD_LOG_LEVEL");
}

static int validate(struct loader *l)
{
    struct stage_config *c = l->c;
    herald_log_level lvl;
    if (log_level_parse(c->log_level, &lvl))
        return fail_at(l, config_lookup(&c->cfg, "stage.log_level"), "stage.log_level",
                       "expected debug, info, warn or error, got '%s'", c->log_level);
    if (!c->brokers[0])
        return fail_at(l, config_lookup(&c->cfg, "kafka.brokers"), "kafka.brokers",
                       "must not be empty (or set env HERALD_KAFKA_BROKERS)");
    int consumes = 0;
    for (size_t i = 0; i < c->n_plugins; i++)
        consumes |= c->plugins[i].n_consume > 0;
    if (consumes && !c->group_id[0])
        return fail_at(l, config_lookup(&c->cfg, "kafka"), "kafka.group_id",
                       "required when a plugin consumes topics");
    if (!strchr(c->metrics_listen, ':'))
        return fail_at(l, config_lookup(&c->cfg, "stage.metrics_listen"), "stage.metrics_listen",
                       "expected host:port, got '%s'", c->metrics_listen);
    return 0;
}

static int load_all(struct stage_config *c, const char *path, char *err, size_t errlen)
{
    c->file = xstrdup(path);
    config_init(&c->cfg);
    c->cfg_initialised = 1;
    struct loader l = {c, err, errlen};
    if (!config_read_file(&c->cfg, path)) {
        if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO)
            snprintf(err, errlen, "%s: cannot read the file (does it exist?)", path);
        else
            snprintf(err, errlen, "%s:%d: syntax error: %s",
                     config_error_file(&c->cfg) ? config_error_file(&c->cfg) : path,
                     config_error_line(&c->cfg), config_error_text(&c->cfg));
        return -1;
    }
    if (check_top_level(&l) || load_stage(&l, config_lookup(&c->cfg, "stage")) ||
        load_kafka(&l, config_lookup(&c->cfg, "kafka")) ||
        load_postgres(&l, config_lookup(&c->cfg, "postgres")) || load_plugins(&l))
        return -1;
    apply_env(c);
    return validate(&l);
}

int stage_config_load(struct stage_config *c, const char *path, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (load_all(c, path, err, errlen) == 0)
        return 0;
    stage_config_free(c);
    return -1;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void stage_config_free(struct stage_config *c)
{
    free(c->name);
    free(c->metrics_listen);
    free(c->plugin_dir);
    free(c->log_level);
    free(c->brokers);
    free(c->group_id);
    free(c->topic_prefix);
    free(c->dead_letter_topic);
    free_list(c->properties, c->n_properties);
    free(c->pg_conninfo);
    for (size_t i = 0; i < c->n_plugins; i++) {
        free(c->plugins[i].name);
        free(c->plugins[i].path);
        free_list(c->plugins[i].consume, c->plugins[i].n_consume);
    }
    free(c->plugins);
    if (c->cfg_initialised)
        config_destroy(&c->cfg);
    free(c->file);
    memset(c, 0, sizeof *c);
}
