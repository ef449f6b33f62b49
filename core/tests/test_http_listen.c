/*
 * test_http_listen.c - the "host:port" rules shared by every HTTP server: IPv4, bracketed
 * IPv6, "" and "*" as every IPv4 interface, a name binds its IPv4 address, and each malformed
 * form is refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "herald/http_listen.h"

static struct sockaddr_storage parse_ok(const char *listen)
{
    struct sockaddr_storage a;
    socklen_t len = 0;
    char err[128] = "";
    int rc = http_listen_parse(listen, &a, &len, err, sizeof err);
    if (rc != 0)
        fail_msg("%s: %s", listen, err);
    assert_true(len > 0);
    return a;
}

static void assert_ipv4(const struct sockaddr_storage *a, const char *ip, int port)
{
    const struct sockaddr_in *in = (const struct sockaddr_in *)a;
    char got[INET_ADDRSTRLEN];
    assert_int_equal(a->ss_family, AF_INET);
    inet_ntop(AF_INET, &in->sin_addr, got, sizeof got);
    assert_string_equal(got, ip);
    assert_int_equal(ntohs(in->sin_port), port);
}

static void test_ipv4_and_wildcards(void **state)
{
    (void)state;
    struct sockaddr_storage a = parse_ok("127.0.0.1:8080");
    assert_ipv4(&a, "127.0.0.1", 8080);
    a = parse_ok("*:9100");
    assert_ipv4(&a, "0.0.0.0", 9100);
    a = parse_ok(":0");
    assert_ipv4(&a, "0.0.0.0", 0);
    a = parse_ok("localhost:65535"); /* a name binds its IPv4 address */
    assert_ipv4(&a, "127.0.0.1", 65535);
}

static void test_bracketed_ipv6(void **state)
{
    (void)state;
    struct sockaddr_storage a = parse_ok("[::1]:8081");
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a;
    assert_int_equal(a.ss_family, AF_INET6);
    assert_true(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
    assert_int_equal(ntohs(in6->sin6_port), 8081);
}

static void test_malformed_is_refused_with_a_reason(void **state)
{
    (void)state;
    const char *bad[] = {"8080", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:80x", "127.0.0.1:-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sockaddr_storage a;
        socklen_t len;
        char err[128] = "";
        assert_int_equal(http_listen_parse(bad[i], &a, &len, err, sizeof err), -1);
        assert_true(strlen(err) > 0);
    }
    struct sockaddr_storage a;
    socklen_t len;
    char err[128] = "";
    assert_int_equal(http_listen_parse(NULL, &a, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "host:port"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_and_wildcards),
        cmocka_unit_test(test_bracketed_ipv6),
        cmocka_unit_test(test_malformed_is_refused_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
