/*
 * stage_config.h - the stage's configuration file (libconfig) as a plain struct.
 *
 * Why a struct: the rest of the host never touches libconfig except to hand a plugin its raw
 * section; every default, environment override and type check lives in stage_config.c, so
 * an operator's mistake is reported once, as "file:line: key: what is wrong".
 */
#ifndef HERALD_STAGE_CONFIG_H
#define HERALD_STAGE_CONFIG_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

struct stage_plugin_config {
    char *name;     /* plugin name ("dispatcher") */
    char *path;     /* explicit .so path or NULL (=> <plugin_dir>/herald_<name>.so) */
    char **consume; /* logical topics routed to this plugin */
    size_t n_consume;
    config_setting_t *config; /* the plugin's own section, may be NULL; owned by cfg */
    int index;                /* position in plugins (for "plugins[0].config.x" messages) */
};

struct stage_config {
    char *file; /* path as given, used in every error message */
    config_t cfg;
    int cfg_initialised;

    char *name;
    int64_t tick_ms;
    int64_t drain_timeout_ms;
    char *metrics_listen;
    char *plugin_dir; /* "" = next to the binary */
    char *log_level;
    int64_t retry_initial_ms;
    int64_t retry_max_ms;

    char *brokers;
    char *group_id;
    char *topic_prefix;
    char *dead_letter_topic; /* logical name, "" = none */
    char **properties;       /* "key=value" strings, passed to librdkafka */
    size_t n_properties;
    int64_t batch_size;
    int64_t max_in_flight;
    int64_t produce_block_ms;

    char *pg_conninfo;

    struct stage_plugin_config *plugins;
    size_t n_plugins;
};

/* Loads and validates `path`, applying environment overrides (HERALD_KAFKA_BROKERS,
 * HERALD_PG_CONNINFO, HERALD_TOPIC_PREFIX, HERALD_STAGE_NAME, HERALD_METRICS_LISTEN,
 * HERALD_PLUGIN_DIR, HERALD_LOG_LEVEL). Returns 0, or -1 with a one-line message in err.
 * On success the caller owns c and frees it with stage_config_free(); on failure nothing is
 * left to free. */
int stage_config_load(struct stage_config *c, const char *path, char *err, size_t errlen);
void stage_config_free(struct stage_config *c);

#endif
