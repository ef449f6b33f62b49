/*
 * fuzz_stage_config.c - libFuzzer harness for the stage config loader
 * (core/src/stage_config.c): libconfig syntax, type checks, unknown-key refusal, plugin routes.
 *
 * stage_config_load() takes a path, so each input is written to a memfd and loaded through
 * /proc/self/fd/N: no refactor of the loader and no files on disk. Inputs that ask libconfig to
 * @include another file are skipped (that would fuzz the file system, not the loader). Checks:
 * a refusal is one non-empty line; a success has the fields every later step relies on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "stage_config.h"

static int g_fd = -1;
static char g_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const env[] = {
        "HERALD_KAFKA_BROKERS",  "HERALD_PG_CONNINFO", "HERALD_TOPIC_PREFIX", "HERALD_STAGE_NAME",
        "HERALD_METRICS_LISTEN", "HERALD_PLUGIN_DIR",  "HERALD_LOG_LEVEL"};
    for (size_t i = 0; i < sizeof env / sizeof *env; i++)
        unsetenv(env[i]); /* the outcome must depend on the input only */
    g_fd = memfd_create("herald-fuzz-config", 0);
    if (g_fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
    return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
    if (ftruncate(g_fd, 0) != 0 || pwrite(g_fd, data, size, 0) != (ssize_t)size) {
        perror("memfd write");
        abort();
    }
}

static void check_loaded(const struct stage_config *c)
{
    FUZZ_CHECK(c->name && c->metrics_listen && c->plugin_dir && c->log_level);
    FUZZ_CHECK(c->brokers && c->brokers[0] && c->group_id && c->topic_prefix);
    FUZZ_CHECK(c->dead_letter_topic && c->pg_conninfo);
    FUZZ_CHECK(strchr(c->metrics_listen, ':') != NULL);
    for (size_t i = 0; i < c->n_plugins; i++) {
        FUZZ_CHECK(c->plugins[i].name != NULL);
        for (size_t j = 0; j < c->plugins[i].n_consume; j++)
            FUZZ_CHECK(c->plugins[i].consume[j] != NULL);
    }
    for (size_t i = 0; i < c->n_properties; i++)
        FUZZ_CHECK(c->properties[i] != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (g_fd < 0)
        LLVMFuzzerInitialize(NULL, NULL);
    if (memmem(data, size, "@include", 8) || memmem(data, size, "@INCLUDE", 8))
        return 0;
    write_input(data, size);
    struct stage_config c;
    char err[1024] = "";
    if (stage_config_load(&c, g_path, err, sizeof err) == 0) {
        check_loaded(&c);
        stage_config_free(&c);
    } else {
        FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
    }
    return 0;
}
