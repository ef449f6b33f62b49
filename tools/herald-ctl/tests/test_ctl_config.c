/*
 * test_ctl_config.c - where herald-ctl's settings come from: built-in defaults, a stage
 * config file, then the HERALD_* environment; unreadable or broken files are errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_config.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/ctl_config_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static int setup(void **state)
{
    unsetenv("HERALD_KAFKA_BROKERS");
    unsetenv("HERALD_TOPIC_PREFIX");
    unsetenv("HERALD_PG_CONNINFO");
    path[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    if (path[0])
        unlink(path);
    return 0;
}

static void test_file_values(void **state)
{
    write_file("stage = { name = \"segmenter\"; };\n"
               "kafka = { brokers = \"k1:9092,k2:9092\"; topic_prefix = \"t1-\";\n"
               "          properties = [ \"linger.ms=5\", \"consumer.fetch.wait.max.ms=10\",\n"
               "                         \"producer.socket.timeout.ms=3000\" ]; };\n"
               "postgres = { conninfo = \"host=db dbname=h\"; };\n");
    struct ctl_config cfg;
    char err[300];
    assert_int_equal(ctl_config_load(&cfg, path, err, sizeof(err)), 0);
    assert_string_equal(cfg.brokers, "k1:9092,k2:9092");
    assert_string_equal(cfg.topic_prefix, "t1-");
    assert_string_equal(cfg.conninfo, "host=db dbname=h");
    /* the stage convention: consumer.* dropped, producer.* kept without its prefix */
    assert_int_equal(cfg.nkafka_props, 2);
    assert_string_equal(cfg.kafka_props[0], "linger.ms=5");
    assert_string_equal(cfg.kafka_props[1], "socket.timeout.ms=3000");
    assert_string_equal(cfg.source, path);
    char topic[64];
    ctl_config_topic(&cfg, "campaign-commands", topic, sizeof(topic));
    assert_string_equal(topic, "t1-campaign-commands");
}

static void test_environment_wins(void **state)
{
    write_file("kafka = { brokers = \"file:1\"; };\npostgres = { conninfo = \"file\"; };\n");
    setenv("HERALD_KAFKA_BROKERS", "env:2", 1);
    setenv("HERALD_TOPIC_PREFIX", "e-", 1);
    setenv("HERALD_PG_CONNINFO", "host=env", 1);
    struct ctl_config cfg;
    char err[300];
    assert_int_equal(ctl_config_load(&cfg, path, err, sizeof(err)), 0);
    assert_string_equal(cfg.brokers, "env:2");
    assert_string_equal(cfg.topic_prefix, "e-");
    assert_string_equal(cfg.conninfo, "host=env");
}

/* Without --config the first default file that exists is read: the checkout's, else the
 * deployed system's. */
static void test_first_existing_default_file_wins(void **state)
{
    assert_string_equal(ctl_default_configs[0], "config/segmenter.conf");
    assert_string_equal(ctl_default_configs[1], "/etc/herald/segmenter.conf");
    assert_null(ctl_default_configs[2]);
    write_file("kafka = { brokers = \"deployed:9092\"; };\n");
    const char *const defaults[] = {"/nonexistent/config/segmenter.conf", path, NULL};
    struct ctl_config cfg;
    char err[300];
    assert_int_equal(ctl_config_load_first(&cfg, NULL, defaults, err, sizeof(err)), 0);
    assert_string_equal(cfg.source, path);
    assert_string_equal(cfg.brokers, "deployed:9092");
    const char *const existing_first[] = {path, "/nonexistent/x.conf", NULL};
    assert_int_equal(ctl_config_load_first(&cfg, NULL, existing_first, err, sizeof(err)), 0);
    assert_string_equal(cfg.source, path);
    /* an explicit file wins over every default */
    assert_int_equal(ctl_config_load_first(&cfg, "/nonexistent/x.conf", defaults, err, sizeof(err)),
                     -1);
}

static void test_defaults_without_file(void **state)
{
    const char *const none[] = {"/nonexistent/config/segmenter.conf", NULL};
    struct ctl_config cfg;
    char err[300];
    assert_int_equal(ctl_config_load_first(&cfg, NULL, none, err, sizeof(err)), 0);
    assert_string_equal(cfg.brokers, CTL_DEFAULT_BROKERS);
    assert_string_equal(cfg.conninfo, CTL_DEFAULT_CONNINFO);
    assert_string_equal(cfg.topic_prefix, "");
    assert_string_equal(cfg.source, "");
}

static void test_errors(void **state)
{
    struct ctl_config cfg;
    char err[300];
    assert_int_equal(ctl_config_load(&cfg, "/nonexistent/x.conf", err, sizeof(err)), -1);
    assert_string_equal(err, "cannot read config file /nonexistent/x.conf");
    write_file("kafka = {\n brokers = ;\n};\n");
    assert_int_equal(ctl_config_load(&cfg, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":2: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_existing_default_file_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_without_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
