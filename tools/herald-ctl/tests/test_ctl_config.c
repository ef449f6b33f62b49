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

static void test_defaults_without_file(void **state)
{
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir("/"), 0); /* no config/segmenter.conf here */
    struct ctl_config cfg;
    char err[300];
    assert_int_equal(ctl_config_load(&cfg, NULL, err, sizeof(err)), 0);
    assert_int_equal(chdir(cwd), 0);
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
        cmocka_unit_test_setup_teardown(test_defaults_without_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
