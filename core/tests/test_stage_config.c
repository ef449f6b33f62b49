/*
 * test_stage_config.c - a stage file loads with its defaults, environment variables win
 * over the file, and every mistake is one line naming the file, the line and the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage_config.h"

static char path[64];

static const char *write_conf(const char *text)
{
    snprintf(path, sizeof path, "/tmp/herald-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static const char *full_conf =
    "stage = { name = \"disp\"; tick_ms = 50; drain_timeout_ms = 1000;\n"
    "  metrics_listen = \"127.0.0.1:0\"; retry = { initial_ms = 10; max_ms = 100; }; };\n"
    "kafka = { brokers = \"b:1\"; group_id = \"g\"; topic_prefix = \"t-\";\n"
    "  properties = [ \"linger.ms=1\", \"producer.batch.size=1000\" ]; batch_size = 7; };\n"
    "postgres = { conninfo = \"dbname=x\"; };\n"
    "plugins = ( { name = \"echo\"; consume = [ \"in\" ]; config = { output = \"out\"; }; },\n"
    "            { name = \"gw\"; path = \"/x/gw.so\"; } );\n";

static void clear_env(void)
{
    unsetenv("HERALD_KAFKA_BROKERS");
    unsetenv("HERALD_PG_CONNINFO");
    unsetenv("HERALD_TOPIC_PREFIX");
    unsetenv("HERALD_STAGE_NAME");
    unsetenv("HERALD_METRICS_LISTEN");
    unsetenv("HERALD_PLUGIN_DIR");
    unsetenv("HERALD_LOG_LEVEL");
}

static void test_full_file(void **state)
{
    clear_env();
    struct stage_config c;
    char err[512] = "";
    assert_int_equal(stage_config_load(&c, write_conf(full_conf), err, sizeof err), 0);
    assert_string_equal(c.name, "disp");
    assert_int_equal(c.tick_ms, 50);
    assert_int_equal(c.retry_initial_ms, 10);
    assert_int_equal(c.retry_max_ms, 100);
    assert_string_equal(c.brokers, "b:1");
    assert_string_equal(c.topic_prefix, "t-");
    assert_int_equal(c.n_properties, 2);
    assert_string_equal(c.properties[1], "producer.batch.size=1000");
    assert_int_equal(c.batch_size, 7);
    assert_int_equal(c.max_in_flight, 20000); /* default */
    assert_string_equal(c.pg_conninfo, "dbname=x");
    assert_int_equal(c.n_plugins, 2);
    assert_string_equal(c.plugins[0].consume[0], "in");
    assert_non_null(c.plugins[0].config);
    assert_null(c.plugins[0].path);
    assert_string_equal(c.plugins[1].path, "/x/gw.so");
    assert_int_equal(c.plugins[1].n_consume, 0);
    stage_config_free(&c);
    unlink(path);
}

static void test_env_overrides(void **state)
{
    clear_env();
    setenv("HERALD_KAFKA_BROKERS", "env:9", 1);
    setenv("HERALD_PG_CONNINFO", "dbname=fromenv", 1);
    setenv("HERALD_TOPIC_PREFIX", "p1-", 1);
    setenv("HERALD_STAGE_NAME", "disp-7", 1);
    setenv("HERALD_METRICS_LISTEN", "127.0.0.1:9999", 1);
    setenv("HERALD_PLUGIN_DIR", "/plugins", 1);
    struct stage_config c;
    char err[512] = "";
    assert_int_equal(stage_config_load(&c, write_conf(full_conf), err, sizeof err), 0);
    assert_string_equal(c.brokers, "env:9");
    assert_string_equal(c.pg_conninfo, "dbname=fromenv");
    assert_string_equal(c.topic_prefix, "p1-");
    assert_string_equal(c.name, "disp-7");
    assert_string_equal(c.metrics_listen, "127.0.0.1:9999");
    assert_string_equal(c.plugin_dir, "/plugins");
    stage_config_free(&c);
    clear_env();
    unlink(path);
}

/* Loads `text`, expects failure, and checks the message contains `want` and the file name. */
static void expect_error(const char *text, const char *want)
{
    clear_env();
    struct stage_config c;
    char err[512] = "";
    const char *p = write_conf(text);
    assert_int_equal(stage_config_load(&c, p, err, sizeof err), -1);
    if (!strstr(err, want) || !strstr(err, p))
        fail_msg("error '%s' lacks '%s' or the file name", err, want);
    assert_null(strchr(err, '\n'));
    unlink(path);
}

static void test_errors(void **state)
{
    expect_error("kafka = { brokers = 5; group_id = \"g\"; };\nplugins = ({name=\"e\";});",
                 ":1: kafka.brokers: expected a string");
    expect_error("kafka = { group_id = \"g\";\n brokre = \"x\"; };\nplugins = ({name=\"e\";});",
                 ":2: kafka.brokre: unknown key");
    expect_error("stage = { name = \"x\" }\nkafka = {", "syntax error");
    expect_error("kafka = { group_id = \"g\"; };\n", "plugins: required");
    expect_error("plugins = ( { consume = [\"a\"]; } );", "plugins[0].name: required");
    expect_error("plugins = ( { name = \"e\"; consume = [\"a\"]; } );", "kafka.group_id: required");
    expect_error("kafka = { group_id = \"g\"; };\nplugins = ( { name = \"e\"; consume = [\"a\"]; "
                 "},\n { name = \"f\"; consume = [\"a\"]; } );",
                 "topic 'a' is consumed twice");
    expect_error("stage = { tick_ms = 0; };\nplugins = ({name=\"e\";});",
                 ":1: stage.tick_ms: must be >= 1");
    expect_error("kafka = { properties = [ \"nonsense\" ]; };\nplugins = ({name=\"e\";});",
                 "kafka.properties: 'nonsense' is not of the form key=value");
    expect_error("stagee = { };\nplugins = ({name=\"e\";});", "stagee: unknown section");
}

static void test_missing_file(void **state)
{
    struct stage_config c;
    char err[512] = "";
    assert_int_equal(stage_config_load(&c, "/nonexistent/x.conf", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/x.conf: cannot read"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_env_overrides),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
