/*
 * ctl_config.c - stage config file + environment; see ctl_config.h.
 */
#include "ctl_config.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

static void read_string(const config_t *c, const char *path, char *dst, size_t len)
{
    const char *v;
    if (config_lookup_string(c, path, &v) == CONFIG_TRUE)
        copy(dst, len, v);
}

/* The stage host's convention (docs/configuration.md): `producer.key=value` targets only the
 * producer, `consumer.key=value` only the consumer, anything else both. herald-ctl has only a
 * producer, so it keeps the unprefixed and `producer.` entries (prefix removed). */
static void read_properties(const config_t *c, struct ctl_config *cfg)
{
    config_setting_t *props = config_lookup(c, "kafka.properties");
    int n = props ? config_setting_length(props) : 0;
    for (int i = 0; i < n && cfg->nkafka_props < CTL_MAX_KAFKA_PROPS; i++) {
        const char *p = config_setting_get_string_elem(props, i);
        if (!p || strncmp(p, "consumer.", 9) == 0)
            continue;
        if (strncmp(p, "producer.", 9) == 0)
            p += 9;
        copy(cfg->kafka_props[cfg->nkafka_props++], sizeof(cfg->kafka_props[0]), p);
    }
}

static int read_file(struct ctl_config *cfg, const char *path, char *err, size_t errlen)
{
    config_t c;
    config_init(&c);
    if (config_read_file(&c, path) != CONFIG_TRUE) {
        if (config_error_type(&c) == CONFIG_ERR_FILE_IO)
            snprintf(err, errlen, "cannot read config file %s", path);
        else
            snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&c), config_error_text(&c));
        config_destroy(&c);
        return -1;
    }
    read_string(&c, "kafka.brokers", cfg->brokers, sizeof(cfg->brokers));
    read_string(&c, "kafka.topic_prefix", cfg->topic_prefix, sizeof(cfg->topic_prefix));
    read_string(&c, "postgres.conninfo", cfg->conninfo, sizeof(cfg->conninfo));
    read_properties(&c, cfg);
    copy(cfg->source, sizeof(cfg->source), path);
    config_destroy(&c);
    return 0;
}

static void env_override(const char *name, char *dst, size_t len)
{
    const char *v = getenv(name);
    if (v)
        copy(dst, len, v);
}

const char *const ctl_default_configs[] = {"config/segmenter.conf", "/etc/herald/segmenter.conf",
                                           NULL};

/* The first default file that exists; NULL when none does. */
static const char *first_readable(const char *const *defaults)
{
    for (size_t i = 0; defaults && defaults[i]; i++)
        if (access(defaults[i], R_OK) == 0)
            return defaults[i];
    return NULL;
}

int ctl_config_load(struct ctl_config *cfg, const char *path, char *err, size_t errlen)
{
    return ctl_config_load_first(cfg, path, ctl_default_configs, err, errlen);
}

int ctl_config_load_first(struct ctl_config *cfg, const char *path, const char *const *defaults,
                          char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    copy(cfg->brokers, sizeof(cfg->brokers), CTL_DEFAULT_BROKERS);
    copy(cfg->conninfo, sizeof(cfg->conninfo), CTL_DEFAULT_CONNINFO);
    if (!path)
        path = first_readable(defaults);
    if (path && read_file(cfg, path, err, errlen) != 0)
        return -1;
    env_override("HERALD_KAFKA_BROKERS", cfg->brokers, sizeof(cfg->brokers));
    env_override("HERALD_TOPIC_PREFIX", cfg->topic_prefix, sizeof(cfg->topic_prefix));
    env_override("HERALD_PG_CONNINFO", cfg->conninfo, sizeof(cfg->conninfo));
    return 0;
}

void ctl_config_topic(const struct ctl_config *cfg, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s%s", cfg->topic_prefix, name);
}
