/*
 * test_dispatcher_messages.c - job parsing and validation, the request body and URL, the
 * response parser and the delivery events: the JSON that crosses process boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher_events.h"
#include "dispatcher_job.h"
#include "dispatcher_request.h"
#include "dispatcher_response.h"

#define GOOD_JOB                                                                                   \
    "{\"campaign_id\":42,\"recipient_id\":17,\"phone\":\"4915112345678\","                         \
    "\"phone_number_id\":\"1098765\",\"template\":{\"name\":\"spring_sale\",\"language\":"         \
    "\"en\"},\"params\":[\"Asha\",\"20%\"],\"rate_limit_per_second\":null}"

static int parse(const char *s, struct disp_job *job, char *err)
{
    return disp_job_parse(s, strlen(s), job, err, 200);
}

static void parses_the_documented_job(void **state)
{
    struct disp_job job;
    char err[200];
    assert_int_equal(parse(GOOD_JOB, &job, err), 0);
    assert_int_equal(job.campaign_id, 42);
    assert_int_equal(job.recipient_id, 17);
    assert_string_equal(job.phone, "4915112345678");
    assert_string_equal(job.phone_number_id, "1098765");
    assert_string_equal(job.template_name, "spring_sale");
    assert_string_equal(job.template_language, "en");
    assert_int_equal(job.n_params, 2);
    assert_string_equal(job.params[1], "20%");
    assert_true(job.rate_limit == 0.0);
    disp_job_free(&job);
}

static void keeps_a_campaign_cap_and_numeric_params(void **state)
{
    struct disp_job job;
    char err[200];
    const char *s = "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\","
                    "\"phone_number_id\":\"1\",\"template\":{\"name\":\"t\",\"language\":"
                    "\"pt_BR\"},\"params\":[7, 2.5],\"rate_limit_per_second\":12.5}";
    assert_int_equal(parse(s, &job, err), 0);
    assert_true(job.rate_limit == 12.5);
    assert_string_equal(job.params[0], "7");
    assert_string_equal(job.params[1], "2.5");
    disp_job_free(&job);
}

static void refuses_bad_jobs_with_a_reason(void **state)
{
    const char *bad[] = {
        "",
        "not json",
        "[]",
        "{\"campaign_id\":42}",
        /* phone with '+' */
        "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"+4915112345678\",\"phone_number_id\":"
        "\"1\",\"template\":{\"name\":\"t\",\"language\":\"en\"}}",
        /* phone_number_id that would change the URL path */
        "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\",\"phone_number_id\":"
        "\"1/../x\",\"template\":{\"name\":\"t\",\"language\":\"en\"}}",
        /* no template */
        "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\",\"phone_number_id\":"
        "\"1\"}",
        /* negative id */
        "{\"campaign_id\":-1,\"recipient_id\":2,\"phone\":\"4915112345678\",\"phone_number_id\":"
        "\"1\",\"template\":{\"name\":\"t\",\"language\":\"en\"}}",
        /* object parameter */
        "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\",\"phone_number_id\":"
        "\"1\",\"template\":{\"name\":\"t\",\"language\":\"en\"},\"params\":[{}]}",
        /* zero rate */
        "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\",\"phone_number_id\":"
        "\"1\",\"template\":{\"name\":\"t\",\"language\":\"en\"},\"rate_limit_per_second\":0}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct disp_job job;
        char err[200];
        assert_int_equal(parse(bad[i], &job, err), -1);
        assert_true(strlen(err) > 0);
        assert_null(job.phone);
    }
}

static void body_matches_the_cloud_api_shape(void **state)
{
    struct disp_job job;
    char err[200];
    assert_int_equal(parse(GOOD_JOB, &job, err), 0);
    char *body = disp_request_body(&job);
    assert_non_null(body);
    json_t *b = json_loads(body, 0, NULL);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "messaging_product")), "whatsapp");
    assert_string_equal(json_string_value(json_object_get(b, "to")), "4915112345678");
    assert_string_equal(json_string_value(json_object_get(b, "type")), "template");
    assert_string_equal(json_string_value(json_object_get(b, "biz_opaque_callback_data")),
                        "c=42;r=17");
    json_t *t = json_object_get(b, "template");
    assert_string_equal(json_string_value(json_object_get(t, "name")), "spring_sale");
    assert_string_equal(json_string_value(json_object_get(json_object_get(t, "language"), "code")),
                        "en");
    json_t *c0 = json_array_get(json_object_get(t, "components"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "type")), "body");
    json_t *p = json_object_get(c0, "parameters");
    assert_int_equal(json_array_size(p), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(p, 0), "text")), "Asha");
    assert_string_equal(json_string_value(json_object_get(json_array_get(p, 1), "type")), "text");
    json_decref(b);
    free(body);
    disp_job_free(&job);
}

/* The request's components for a job whose template (and params) are `template_and_params`. */
static void assert_components(const char *template_and_params, const char *want_json)
{
    char s[1024], err[200];
    snprintf(s, sizeof(s),
             "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\","
             "\"phone_number_id\":\"1\",\"template\":%s}",
             template_and_params);
    struct disp_job job;
    assert_int_equal(parse(s, &job, err), 0);
    char *body = disp_request_body(&job);
    json_t *b = json_loads(body, 0, NULL), *want = json_loads(want_json, 0, NULL);
    assert_non_null(want);
    assert_true(json_equal(json_object_get(json_object_get(b, "template"), "components"), want));
    json_decref(want);
    json_decref(b);
    free(body);
    disp_job_free(&job);
}

/* A media header, a text header, URL / coupon / quick-reply buttons: the values follow the
 * body's in `params`, and the request carries each component in Meta's shape. */
static void header_and_buttons_become_components(void **state)
{
    struct disp_job job;
    char err[200];
    const char *s =
        "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\",\"phone_number_id\":"
        "\"1\",\"template\":{\"name\":\"sale\",\"language\":\"en\",\"header\":{\"type\":"
        "\"document\",\"link\":\"https://cdn.example.com/a.pdf\",\"filename\":\"Offer \\\"A\\\""
        ".pdf\"},\"buttons\":[{\"sub_type\":\"url\",\"index\":0},{\"sub_type\":\"copy_code\","
        "\"index\":1},{\"sub_type\":\"quick_reply\",\"index\":2}]},\"params\":[\"Asha\","
        "\"c/42?u=17\",\"SAVE20\",\"stop-promos\"]}";
    assert_int_equal(parse(s, &job, err), 0);
    assert_int_equal(job.n_body_params, 1);
    assert_int_equal(job.n_buttons, 3);
    char *body = disp_request_body(&job);
    json_t *b = json_loads(body, 0, NULL);
    json_t *want = json_loads(
        "[{\"type\":\"header\",\"parameters\":[{\"type\":\"document\",\"document\":{\"link\":"
        "\"https://cdn.example.com/a.pdf\",\"filename\":\"Offer \\\"A\\\".pdf\"}}]},"
        "{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"Asha\"}]},"
        "{\"type\":\"button\",\"sub_type\":\"url\",\"index\":\"0\",\"parameters\":[{\"type\":"
        "\"text\",\"text\":\"c/42?u=17\"}]},"
        "{\"type\":\"button\",\"sub_type\":\"copy_code\",\"index\":\"1\",\"parameters\":[{"
        "\"type\":\"coupon_code\",\"coupon_code\":\"SAVE20\"}]},"
        "{\"type\":\"button\",\"sub_type\":\"quick_reply\",\"index\":\"2\",\"parameters\":[{"
        "\"type\":\"payload\",\"payload\":\"stop-promos\"}]}]",
        0, NULL);
    assert_non_null(want);
    assert_true(json_equal(json_object_get(json_object_get(b, "template"), "components"), want));
    json_decref(want);
    json_decref(b);
    free(body);
    disp_job_free(&job);

    /* uploaded media: Meta's {"id": ...} instead of a link */
    assert_components("{\"name\":\"t\",\"language\":\"en\",\"header\":{\"type\":\"video\","
                      "\"id\":\"1013859600285441\"}},\"params\":[]",
                      "[{\"type\":\"header\",\"parameters\":[{\"type\":\"video\",\"video\":"
                      "{\"id\":\"1013859600285441\"}}]}]");
    /* a text header takes the value after the body's; no body parameters, no body component */
    assert_components("{\"name\":\"t\",\"language\":\"en\",\"header\":{\"type\":\"text\"}},"
                      "\"params\":[\"Hi Asha\"]",
                      "[{\"type\":\"header\",\"parameters\":[{\"type\":\"text\",\"text\":"
                      "\"Hi Asha\"}]}]");
}

static void bad_headers_and_buttons_are_refused(void **state)
{
    const char *bad[] = {
        /* fewer values than the header and buttons need */
        "{\"template\":{\"header\":{\"type\":\"text\"},\"buttons\":[{\"sub_type\":\"url\","
        "\"index\":0}]},\"params\":[\"x\"]}",
        /* a link that is no http(s) URL, or has a space */
        "{\"template\":{\"header\":{\"type\":\"image\",\"link\":\"file:///etc/passwd\"}}}",
        "{\"template\":{\"header\":{\"type\":\"image\",\"link\":\"https://a b\"}}}",
        "{\"template\":{\"header\":{\"type\":\"sticker\",\"link\":\"https://a\"}}}",
        /* a media ID that is not digits; a link and an ID; neither */
        "{\"template\":{\"header\":{\"type\":\"image\",\"id\":\"12a\"}}}",
        "{\"template\":{\"header\":{\"type\":\"image\",\"link\":\"https://a\",\"id\":\"12\"}}}",
        "{\"template\":{\"header\":{\"type\":\"image\"}}}",
        "{\"template\":{\"buttons\":[{\"sub_type\":\"call\",\"index\":0}]},\"params\":[\"1\"]}",
        "{\"template\":{\"buttons\":[{\"sub_type\":\"url\",\"index\":10}]},\"params\":[\"1\"]}",
        "{\"template\":{\"buttons\":[{\"sub_type\":\"url\",\"index\":\"0\"}]},\"params\":[\"1\"]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* the same valid envelope around each template fragment */
        char job_text[600];
        const char *tpl = strstr(bad[i], "\"template\":{") + strlen("\"template\":{");
        snprintf(job_text, sizeof(job_text),
                 "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\","
                 "\"phone_number_id\":\"1\",\"template\":{\"name\":\"t\",\"language\":\"en\",%s",
                 tpl);
        struct disp_job job;
        char err[200];
        assert_int_equal(parse(job_text, &job, err), -1);
        assert_true(strlen(err) > 0);
        assert_null(job.header_media);
    }
}

static void body_without_params_has_no_components(void **state)
{
    struct disp_job job;
    char err[200];
    const char *s = "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\","
                    "\"phone_number_id\":\"1\",\"template\":{\"name\":\"hello\",\"language\":"
                    "\"en\"},\"params\":[]}";
    assert_int_equal(parse(s, &job, err), 0);
    char *body = disp_request_body(&job);
    json_t *b = json_loads(body, 0, NULL);
    assert_null(json_object_get(json_object_get(b, "template"), "components"));
    json_decref(b);
    free(body);
    disp_job_free(&job);
}

static void params_are_escaped(void **state)
{
    struct disp_job job;
    char err[200];
    const char *s = "{\"campaign_id\":1,\"recipient_id\":2,\"phone\":\"4915112345678\","
                    "\"phone_number_id\":\"1\",\"template\":{\"name\":\"hello\",\"language\":"
                    "\"en\"},\"params\":[\"a\\\"b\\\\c\\n\"]}";
    assert_int_equal(parse(s, &job, err), 0);
    char *body = disp_request_body(&job);
    json_t *b = json_loads(body, 0, NULL);
    assert_non_null(b);
    json_t *p = json_object_get(
        json_array_get(json_object_get(json_object_get(b, "template"), "components"), 0),
        "parameters");
    assert_string_equal(json_string_value(json_object_get(json_array_get(p, 0), "text")),
                        "a\"b\\c\n");
    json_decref(b);
    free(body);
    disp_job_free(&job);
}

/* The body as the json_pack tree it used to be built from: the same value, key by key. */
static void body_equals_the_reference_tree(void **state)
{
    struct disp_job job;
    char err[200];
    const char *s = "{\"campaign_id\":7,\"recipient_id\":9,\"phone\":\"4915112345678\","
                    "\"phone_number_id\":\"1\",\"template\":{\"name\":\"spring_sale\",\"language\":"
                    "\"pt_BR\"},\"params\":[\"Grüße \\\"Ana\\\" 東京\",\"\\u0001\\t\",42,\"\"]}";
    assert_int_equal(parse(s, &job, err), 0);
    json_t *want = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:{s:s}, s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, "
        "{s:s, s:s}]}]}, s:s}",
        "messaging_product", "whatsapp", "recipient_type", "individual", "to", "4915112345678",
        "type", "template", "template", "name", "spring_sale", "language", "code", "pt_BR",
        "components", "type", "body", "parameters", "type", "text", "text", "Grüße \"Ana\" 東京",
        "type", "text", "text", "\x01\t", "type", "text", "text", "42", "type", "text", "text", "",
        "biz_opaque_callback_data", "c=7;r=9");
    char *body = disp_request_body(&job);
    assert_non_null(body);
    json_t *got = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(got);
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    free(body);
    disp_job_free(&job);
}

static void url(void **state)
{
    char buf[128];
    assert_int_equal(
        disp_request_url("http://127.0.0.1:9180/", "v23.0", "1098765", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "http://127.0.0.1:9180/v23.0/1098765/messages");
    assert_int_equal(disp_request_url("http://h", "v1", "1", buf, 10), -1);
}

static void response_success_and_error(void **state)
{
    struct disp_response r;
    const char *ok = "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"49\","
                     "\"wa_id\":\"49\"}],\"messages\":[{\"id\":\"wamid.HBgM1\","
                     "\"message_status\":\"accepted\"}]}";
    disp_response_parse(ok, strlen(ok), &r);
    assert_true(r.has_wamid);
    assert_string_equal(r.wamid, "wamid.HBgM1");
    assert_int_equal(r.code, 0);

    const char *err = "{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"type\":"
                      "\"OAuthException\",\"code\":130429,\"error_data\":{\"messaging_product\":"
                      "\"whatsapp\",\"details\":\"too fast\"},\"fbtrace_id\":\"Az8\"}}";
    disp_response_parse(err, strlen(err), &r);
    assert_false(r.has_wamid);
    assert_int_equal(r.code, 130429);
    assert_string_equal(r.title, "(#130429) Rate limit hit");
    assert_string_equal(r.details, "too fast");
    assert_string_equal(r.fbtrace_id, "Az8");
}

static void response_garbage_is_empty(void **state)
{
    struct disp_response r;
    disp_response_parse("<html>502</html>", 16, &r);
    assert_false(r.has_wamid);
    assert_int_equal(r.code, 0);
    disp_response_parse(NULL, 0, &r);
    assert_false(r.has_wamid);
    disp_response_parse("{\"messages\":[{\"id\":5}]}", 23, &r);
    assert_false(r.has_wamid);
}

static void events(void **state)
{
    char *a = disp_event_accepted(42, 17, "4915112345678", "wamid.X", 1764100000123, 2);
    json_t *j = json_loads(a, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "event_id")), "d-42-17-accepted");
    assert_string_equal(json_string_value(json_object_get(j, "type")), "accepted");
    assert_int_equal(json_integer_value(json_object_get(j, "campaign_id")), 42);
    assert_int_equal(json_integer_value(json_object_get(j, "recipient_id")), 17);
    assert_string_equal(json_string_value(json_object_get(j, "wamid")), "wamid.X");
    assert_int_equal(json_integer_value(json_object_get(j, "ts_ms")), 1764100000123LL);
    assert_int_equal(json_integer_value(json_object_get(j, "attempts")), 2);
    json_decref(j);
    free(a);

    /* whatever the API answered as a wamid is escaped; an unknown phone is null */
    a = disp_event_accepted(1, 2, NULL, "w\"id\n", 3, 1);
    j = json_loads(a, JSON_REJECT_DUPLICATES, NULL);
    json_t *want = json_pack("{s:s, s:s, s:i, s:i, s:n, s:s, s:i, s:i}", "event_id",
                             "d-1-2-accepted", "type", "accepted", "campaign_id", 1, "recipient_id",
                             2, "phone", "wamid", "w\"id\n", "ts_ms", 3, "attempts", 1);
    assert_true(json_equal(j, want));
    json_decref(want);
    json_decref(j);
    free(a);

    char *f = disp_event_failed(42, 18, "4915112345679", 131026, "Message undeliverable", 5, 1);
    j = json_loads(f, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "event_id")), "d-42-18-failed");
    assert_string_equal(json_string_value(json_object_get(j, "type")), "failed");
    assert_true(json_is_null(json_object_get(j, "wamid")));
    json_t *e = json_object_get(j, "error");
    assert_int_equal(json_integer_value(json_object_get(e, "code")), 131026);
    assert_string_equal(json_string_value(json_object_get(e, "title")), "Message undeliverable");
    json_decref(j);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_the_documented_job),
        cmocka_unit_test(keeps_a_campaign_cap_and_numeric_params),
        cmocka_unit_test(refuses_bad_jobs_with_a_reason),
        cmocka_unit_test(body_matches_the_cloud_api_shape),
        cmocka_unit_test(header_and_buttons_become_components),
        cmocka_unit_test(bad_headers_and_buttons_are_refused),
        cmocka_unit_test(body_without_params_has_no_components),
        cmocka_unit_test(params_are_escaped),
        cmocka_unit_test(body_equals_the_reference_tree),
        cmocka_unit_test(url),
        cmocka_unit_test(response_success_and_error),
        cmocka_unit_test(response_garbage_is_empty),
        cmocka_unit_test(events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
