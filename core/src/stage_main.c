/*
 * stage_main.c - command line of herald-stage.
 *
 *   herald-stage --config FILE              run the stage
 *   herald-stage --config FILE --migrate    apply the numbered migrations to postgres.conninfo
 *   herald-stage --config FILE --dry-run    check the config and plugins, connect to nothing
 *   herald-stage --help-config PLUGIN       list a plugin's options
 *   herald-stage --version
 *
 * Exit status: 0 clean stop; 1 refused to start (bad config, bad plugin, failed migration,
 * Kafka client or metrics port unusable); 2 bad command line; 3 stopped by a fatal runtime
 * error (e.g. the idempotent producer's fatal error).
 */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "install_paths.h"
#include "log.h"
#include "migrations.h"
#include "plugin_config_map.h"
#include "plugin_loader.h"
#include "stage_config.h"
#include "stage_run.h"

#ifdef HERALD_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#ifndef HERALD_VERSION
#define HERALD_VERSION "dev"
#endif

#ifndef HERALD_SOURCE_MIGRATIONS
#define HERALD_SOURCE_MIGRATIONS "migrations"
#endif

/* The allocator of this process, for --version: jemalloc unless built without it (core/
 * CMakeLists.txt says why it is linked). */
static void print_allocator(void)
{
#ifdef HERALD_WITH_JEMALLOC
    const char *version = "unknown";
    size_t len = sizeof(version);
    mallctl("version", &version, &len, NULL, 0); /* leaves "unknown" if it fails */
    printf("jemalloc %s", version);
#else
    printf("glibc");
#endif
}

/* HERALD_MIGRATIONS_DIR, else the installed share/herald/migrations beside this binary, else
 * the source tree it was built from. */
static const char *migrations_dir(char *buf, size_t len)
{
    const char *env = getenv("HERALD_MIGRATIONS_DIR");
    if (env && env[0])
        return env;
    if (install_dir_beside_exe("../share/herald/migrations", buf, len) == 0)
        return buf;
    return HERALD_SOURCE_MIGRATIONS;
}

static void usage(FILE *out)
{
    char buf[4096];
    fprintf(out,
            "usage: herald-stage --config FILE [--migrate | --dry-run]\n"
            "       herald-stage [--config FILE] --help-config PLUGIN  (or --plugin PLUGIN "
            "--help-config)\n"
            "       herald-stage --version\n"
            "\n"
            "  --config FILE         stage configuration (libconfig), see docs/configuration.md\n"
            "  --migrate             apply migrations (HERALD_MIGRATIONS_DIR, default %s)\n"
            "                        to postgres.conninfo (or HERALD_PG_CONNINFO) and exit\n"
            "  --dry-run             check the config: load every plugin, parse its options and\n"
            "                        the Kafka properties; print what would run; connect to\n"
            "                        nothing (exit 0 OK, 1 with the error)\n"
            "  --help-config PLUGIN  print the options of a plugin and exit\n"
            "  --version             print the version and plugin ABI and exit\n",
            migrations_dir(buf, sizeof buf));
}

static int help_config(const char *plugin, const char *config_file)
{
    char err[1024];
    const char *dir = getenv("HERALD_PLUGIN_DIR");
    struct stage_config cfg;
    int have_cfg = 0;
    if (config_file) {
        if (stage_config_load(&cfg, config_file, err, sizeof err)) {
            fprintf(stderr, "herald-stage: %s\n", err);
            return 1;
        }
        have_cfg = 1;
        dir = cfg.plugin_dir;
    }
    struct loaded_plugin lp;
    int rc = plugin_load(&lp, plugin, NULL, dir, err, sizeof err);
    if (rc == 0) {
        printf("plugin %s (%s): %s\noptions (plugins[].config):\n", lp.plugin->name, lp.path,
               lp.plugin->description ? lp.plugin->description : "");
        config_map_print(lp.plugin->config_map, stdout);
        plugin_unload(&lp);
    } else {
        fprintf(stderr, "herald-stage: %s\n", err);
    }
    if (have_cfg)
        stage_config_free(&cfg);
    return rc ? 1 : 0;
}

static int migrate(const char *config_file)
{
    char buf[4096];
    const char *dir = migrations_dir(buf, sizeof buf);
    char err[1024];
    struct stage_config cfg;
    int have_cfg = 0;
    const char *conninfo = getenv("HERALD_PG_CONNINFO");
    if (config_file) {
        if (stage_config_load(&cfg, config_file, err, sizeof err)) {
            fprintf(stderr, "herald-stage: %s\n", err);
            return 1;
        }
        have_cfg = 1;
        conninfo = cfg.pg_conninfo;
    }
    int rc;
    if (!conninfo || !conninfo[0]) {
        fprintf(stderr, "herald-stage: --migrate needs postgres.conninfo in --config FILE or env "
                        "HERALD_PG_CONNINFO\n");
        rc = 1;
    } else {
        rc = migrations_apply(conninfo, dir) ? 1 : 0;
        if (rc == 0)
            LOG_INFO("migrations: database is up to date (%s)", dir);
    }
    if (have_cfg)
        stage_config_free(&cfg);
    return rc;
}

/* `--plugin X --help-config` (the form plugin.h mentions) has no argument after
 * --help-config; rewrite it to `--help-config=` so getopt accepts it and --plugin names it. */
static void normalise_help_config(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help-config") == 0 && (i + 1 == argc || argv[i + 1][0] == '-'))
            argv[i] = "--help-config=";
}

int main(int argc, char **argv)
{
    /* clang-format off */
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"migrate", no_argument, NULL, 'm'},
        {"dry-run", no_argument, NULL, 'n'},
        {"help-config", required_argument, NULL, 'H'},
        {"plugin", required_argument, NULL, 'p'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* clang-format on */
    const char *config = NULL, *help_plugin = NULL, *plugin_opt = NULL;
    int do_migrate = 0, dry_run = 0, want_help_config = 0, opt;
    normalise_help_config(argc, argv);
    while ((opt = getopt_long(argc, argv, "c:mnH:p:Vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'm':
            do_migrate = 1;
            break;
        case 'n':
            dry_run = 1;
            break;
        case 'H':
            want_help_config = 1;
            if (optarg[0])
                help_plugin = optarg;
            break;
        case 'p':
            plugin_opt = optarg;
            break;
        case 'V':
            printf("herald-stage %s (plugin ABI %d, librdkafka %s, malloc ", HERALD_VERSION,
                   HERALD_PLUGIN_ABI_VERSION, rd_kafka_version_str());
            print_allocator();
            printf(")\n");
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "herald-stage: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (want_help_config || plugin_opt) {
        if (!help_plugin)
            help_plugin = plugin_opt;
        if (!help_plugin) {
            fprintf(stderr, "herald-stage: --help-config needs a plugin name\n");
            return 2;
        }
        return help_config(help_plugin, config);
    }
    if (do_migrate && dry_run) {
        fprintf(stderr, "herald-stage: --migrate and --dry-run exclude each other\n");
        return 2;
    }
    if (do_migrate)
        return migrate(config);
    if (!config) {
        usage(stderr);
        return 2;
    }
    char err[1024];
    struct stage_config cfg;
    if (stage_config_load(&cfg, config, err, sizeof err)) {
        fprintf(stderr, "herald-stage: %s\n", err);
        return 1;
    }
    herald_log_level lvl = HERALD_LOG_INFO;
    log_level_parse(cfg.log_level, &lvl);
    log_setup(cfg.name, lvl);
    int rc = dry_run ? stage_dry_run(&cfg) : stage_run(&cfg);
    stage_config_free(&cfg);
    return rc;
}
