/*
 * ctl_config.h - where herald-ctl finds Kafka and PostgreSQL: the same libconfig stage file
 * the stages read (`--config`; by default config/segmenter.conf in a checkout, else a deployed
 * system's /etc/herald/segmenter.conf) and the same environment overrides
 * (HERALD_KAFKA_BROKERS, HERALD_TOPIC_PREFIX, HERALD_PG_CONNINFO).
 *
 * Why this exists: an operator should never configure the CLI separately from the stages;
 * pointing it at a stage file (or exporting the variables a test exports) is enough. When no
 * default file exists the built-in defaults of docs/architecture.md apply; an explicitly named
 * file that cannot be read is an error.
 */
#ifndef HERALD_CTL_CONFIG_H
#define HERALD_CTL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_DEFAULT_BROKERS  "127.0.0.1:19092"
#define CTL_DEFAULT_CONNINFO "host=127.0.0.1 port=19432 dbname=herald user=herald"
#define CTL_MAX_KAFKA_PROPS  32

struct ctl_config {
    char source[512]; /* file actually read, "" for built-in defaults */
    char brokers[512];
    char topic_prefix[128];
    char conninfo[1024];
    /* kafka.properties entries "key=value" for the producer (consumer.* dropped, producer.*
     * unprefixed) */
    char kafka_props[CTL_MAX_KAFKA_PROPS][256];
    int nkafka_props;
};

/*
 * Fills cfg from defaults, then `path` (NULL = the default file, optional), then the
 * environment. Returns 0, or -1 with a one-line reason (file unreadable or a syntax error with
 * its line) in err.
 */
int ctl_config_load(struct ctl_config *cfg, const char *path, char *err, size_t errlen);

/* The files tried in order when no path is given (NULL-terminated): the checkout's
 * config/segmenter.conf, then /etc/herald/segmenter.conf (docs/deploy.md). */
extern const char *const ctl_default_configs[];

/* ctl_config_load with another list of default files (tests). */
int ctl_config_load_first(struct ctl_config *cfg, const char *path, const char *const *defaults,
                          char *err, size_t errlen);

/* "<prefix><name>", e.g. "t3f9-campaign-commands". */
void ctl_config_topic(const struct ctl_config *cfg, const char *name, char *out, size_t len);

#endif
