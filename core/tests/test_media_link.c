/*
 * test_media_link.c - the media link rule (scheme, length, characters) and the media ID rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "herald/media_link.h"

static void http_and_https_links_pass(void **state)
{
    (void)state;
    assert_true(herald_media_link_valid("https://cdn.example.com/a.png"));
    assert_true(herald_media_link_valid("http://cdn.example.com/a.pdf?v=1&x=%20"));
}

static void other_schemes_empty_and_null_fail(void **state)
{
    (void)state;
    assert_false(herald_media_link_valid(NULL));
    assert_false(herald_media_link_valid(""));
    assert_false(herald_media_link_valid("ftp://cdn.example.com/a.png"));
    assert_false(herald_media_link_valid("HTTPS://cdn.example.com/a.png"));
    assert_false(herald_media_link_valid("cdn.example.com/a.png"));
}

static void spaces_controls_and_non_ascii_fail(void **state)
{
    (void)state;
    assert_false(herald_media_link_valid("https://cdn.example.com/a b.png"));
    assert_false(herald_media_link_valid("https://cdn.example.com/a\n.png"));
    assert_false(herald_media_link_valid("https://cdn.example.com/\x7f.png"));
    assert_false(herald_media_link_valid("https://cdn.example.com/caf\xc3\xa9.png"));
}

static void at_most_2048_characters(void **state)
{
    (void)state;
    char link[2050];
    memset(link, 'a', sizeof(link) - 1);
    memcpy(link, "https://", 8);
    link[2048] = '\0';
    assert_true(herald_media_link_valid(link));
    link[2048] = 'a';
    link[2049] = '\0';
    assert_false(herald_media_link_valid(link));
}

static void media_ids_are_1_to_64_digits(void **state)
{
    (void)state;
    char id[66];
    assert_true(herald_media_id_valid("1"));
    assert_true(herald_media_id_valid("1013859600285441"));
    memset(id, '7', 64);
    id[64] = '\0';
    assert_true(herald_media_id_valid(id));
    id[64] = '7';
    id[65] = '\0';
    assert_false(herald_media_id_valid(id));
    assert_false(herald_media_id_valid(NULL));
    assert_false(herald_media_id_valid(""));
    assert_false(herald_media_id_valid("12a4"));
    assert_false(herald_media_id_valid("-12"));
    assert_false(herald_media_id_valid(" 12"));
    assert_false(herald_media_id_valid("https://cdn.example.com/a.png"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_and_https_links_pass),
        cmocka_unit_test(other_schemes_empty_and_null_fail),
        cmocka_unit_test(spaces_controls_and_non_ascii_fail),
        cmocka_unit_test(at_most_2048_characters),
        cmocka_unit_test(media_ids_are_1_to_64_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
