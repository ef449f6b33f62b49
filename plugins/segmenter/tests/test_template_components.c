/*
 * test_template_components.c - a template's header and buttons: what a definition may say,
 * the stored form, the snapshot's extra mapping entries and what a job carries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template_components.h"

static json_t *parse(const char *header, const char *buttons, char *err)
{
    json_t *h = header ? json_loads(header, 0, NULL) : NULL;
    json_t *b = buttons ? json_loads(buttons, 0, NULL) : NULL;
    assert_true(!header || h);
    assert_true(!buttons || b);
    err[0] = '\0';
    json_t *out = template_components_parse(h, b, err, 200);
    json_decref(h);
    json_decref(b);
    return out;
}

static void assert_json(const json_t *got, const char *want)
{
    json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
    assert_non_null(w);
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *ws = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    assert_string_equal(g, ws);
    free(g);
    free(ws);
    json_decref(w);
}

static void test_stored_mapping_and_job_forms(void **state)
{
    (void)state;
    char err[200];
    json_t *c = parse("{\"type\":\"document\",\"link\":\"https://cdn.example.com/a.pdf\","
                      "\"filename\":\"Offer.pdf\"}",
                      "[{\"sub_type\":\"url\",\"param\":\"attributes.path\"},"
                      "{\"sub_type\":\"quick_reply\",\"param\":\"=stop\",\"index\":3}]",
                      err);
    assert_non_null(c);
    assert_json(c, "{\"header\":{\"type\":\"document\",\"link\":\"https://cdn.example.com/a.pdf\","
                   "\"filename\":\"Offer.pdf\"},\"buttons\":[{\"sub_type\":\"url\",\"index\":0,"
                   "\"param\":\"attributes.path\"},{\"sub_type\":\"quick_reply\",\"index\":3,"
                   "\"param\":\"=stop\"}]}");
    json_t *mapping = json_loads("[\"name\"]", 0, NULL);
    assert_int_equal(template_components_mapping(c, mapping), 0);
    assert_json(mapping, "[\"name\",\"attributes.path\",\"=stop\"]");
    json_t *job = template_components_job(c);
    assert_json(job, "{\"header\":{\"type\":\"document\",\"link\":\"https://cdn.example.com/"
                     "a.pdf\",\"filename\":\"Offer.pdf\"},\"buttons\":[{\"sub_type\":\"url\","
                     "\"index\":0},{\"sub_type\":\"quick_reply\",\"index\":3}]}");
    json_decref(job);
    json_decref(mapping);
    json_decref(c);

    /* media uploaded beforehand: the ID goes to the job as it was given */
    c = parse("{\"type\":\"image\",\"id\":\"1013859600285441\"}", NULL, err);
    assert_non_null(c);
    job = template_components_job(c);
    assert_json(job, "{\"header\":{\"type\":\"image\",\"id\":\"1013859600285441\"}}");
    json_decref(job);
    json_decref(c);

    /* a text header's value comes first, before the buttons' */
    c = parse("{\"type\":\"text\",\"param\":\"name\"}",
              "[{\"sub_type\":\"copy_code\","
              "\"param\":\"attributes.code\"}]",
              err);
    mapping = json_array();
    assert_int_equal(template_components_mapping(c, mapping), 0);
    assert_json(mapping, "[\"name\",\"attributes.code\"]");
    job = template_components_job(c);
    assert_json(job, "{\"header\":{\"type\":\"text\"},\"buttons\":[{\"sub_type\":\"copy_code\","
                     "\"index\":0}]}");
    json_decref(job);
    json_decref(mapping);
    json_decref(c);

    /* neither: null stored, nothing added, an empty object for the job */
    c = parse(NULL, NULL, err);
    assert_true(json_is_null(c));
    mapping = json_array();
    assert_int_equal(template_components_mapping(c, mapping), 0);
    assert_int_equal(json_array_size(mapping), 0);
    job = template_components_job(c);
    assert_json(job, "{}");
    json_decref(job);
    json_decref(mapping);
    json_decref(c);
}

static void test_refusals_name_the_field(void **state)
{
    (void)state;
    static const struct {
        const char *header, *buttons, *says;
    } bad[] = {
        {"{\"type\":\"sticker\",\"link\":\"https://a\"}", NULL, "template.header.type"},
        {"{\"type\":\"image\",\"link\":\"ftp://a\"}", NULL, "template.header.link"},
        {"{\"type\":\"image\",\"link\":\"https://a b\"}", NULL, "template.header.link"},
        {"{\"type\":\"image\"}", NULL, "takes a link or an id"},
        {"{\"type\":\"image\",\"link\":\"https://a\",\"id\":\"12\"}", NULL,
         "takes a link or an id"},
        {"{\"type\":\"video\",\"id\":\"12a\"}", NULL, "template.header.id"},
        {"{\"type\":\"video\",\"id\":12}", NULL, "template.header.id"},
        {"{\"type\":\"text\",\"param\":\"name\",\"id\":\"12\"}", NULL, "no link or id"},
        {"{\"type\":\"image\",\"link\":\"https://a\",\"filename\":\"x.png\"}", NULL,
         "template.header.filename"},
        {"{\"type\":\"image\",\"link\":\"https://a\",\"param\":\"name\"}", NULL, "no param"},
        {"{\"type\":\"text\"}", NULL, "template.header.param"},
        {"{\"type\":\"text\",\"param\":\"city\"}", NULL, "template.header.param"},
        {"{\"type\":\"text\",\"param\":\"name\",\"colour\":1}", NULL, "unknown key 'colour'"},
        {NULL, "[]", "template.buttons"},
        {NULL, "[{\"sub_type\":\"call\",\"param\":\"=x\"}]", "template.buttons[0].sub_type"},
        {NULL, "[{\"sub_type\":\"url\"}]", "template.buttons[0].param"},
        {NULL,
         "[{\"sub_type\":\"url\",\"param\":\"=a\"},{\"sub_type\":\"url\",\"param\":\"=b\","
         "\"index\":0}]",
         "template.buttons[1].index"},
        {NULL, "[{\"sub_type\":\"url\",\"param\":\"=a\",\"index\":10}]",
         "template.buttons[0].index"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[200];
        assert_null(parse(bad[i].header, bad[i].buttons, err));
        if (!strstr(err, bad[i].says))
            fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].says);
    }
    char many[1024] = "[";
    for (int i = 0; i < 11; i++)
        strcat(many, i ? ",{\"sub_type\":\"url\",\"param\":\"=x\"}"
                       : "{\"sub_type\":\"url\","
                         "\"param\":\"=x\"}");
    strcat(many, "]");
    char err[200];
    assert_null(parse(NULL, many, err));
    assert_non_null(strstr(err, "1-10 buttons"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_mapping_and_job_forms),
        cmocka_unit_test(test_refusals_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
