/*
 * Send payload validation must answer the codes the real API answers, because the
 * dispatcher classifies retryable vs permanent errors by them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "mock_payload.h"

static const char *VALID =
    "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":"
    "\"+4915112345678\",\"type\":\"template\",\"template\":{\"name\":\"spring_sale\","
    "\"language\":{\"code\":\"en\"},\"components\":[{\"type\":\"header\",\"parameters\":[{"
    "\"type\":\"text\",\"text\":\"H\"}]},{\"type\":\"body\",\"parameters\":[{\"type\":\"text\","
    "\"text\":\"Asha\"},{\"type\":\"text\",\"text\":\"20%\"}]}]},\"biz_opaque_callback_data\":"
    "\"c=42;r=9917\"}";

static int validate(const char *body, mock_config_t *cfg, mock_error_t *err,
                    mock_send_request_t *req)
{
    return mock_payload_validate(body, strlen(body), cfg, req, err);
}

/* Replaces the first occurrence of `from` in VALID with `to`. */
static const char *variant(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(VALID, from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - VALID), VALID, to, at + strlen(from));
    return buf;
}

static int code_of(const char *body, mock_config_t *cfg)
{
    mock_error_t err;
    mock_send_request_t req;
    if (validate(body, cfg, &err, &req) == 0) {
        mock_send_request_clear(&req);
        return 0;
    }
    return err.code;
}

static void valid_payload_is_parsed(void **state)
{
    mock_config_t *cfg = mock_config_new_default();
    mock_error_t err;
    mock_send_request_t req;
    assert_int_equal(validate(VALID, cfg, &err, &req), 0);
    assert_string_equal(req.to_input, "+4915112345678");
    assert_string_equal(req.wa_id, "4915112345678");
    assert_string_equal(req.template_name, "spring_sale");
    assert_string_equal(req.language, "en");
    assert_string_equal(req.callback_data, "c=42;r=9917");
    assert_int_equal(req.n_params, 2); /* header parameter is not a body parameter */
    assert_string_equal(req.params[0], "Asha");
    assert_string_equal(req.params[1], "20%");
    mock_send_request_clear(&req);
    mock_config_unref(cfg);
}

static void envelope_errors_use_code_100_or_131008(void **state)
{
    mock_config_t *cfg = mock_config_new_default();
    assert_int_equal(code_of("not json", cfg), 100);
    assert_int_equal(code_of("[1,2]", cfg), 100);
    assert_int_equal(code_of(variant("\"messaging_product\":\"whatsapp\",", ""), cfg), 131008);
    assert_int_equal(code_of(variant("\"whatsapp\"", "\"sms\""), cfg), 100);
    assert_int_equal(code_of(variant("\"individual\"", "\"group\""), cfg), 100);
    assert_int_equal(code_of(variant("\"+4915112345678\"", "\"49-151-123\""), cfg), 100);
    assert_int_equal(code_of(variant("\"+4915112345678\"", "\"123\""), cfg), 100);
    assert_int_equal(code_of(variant("\"+4915112345678\"", "4915112345678"), cfg), 100);
    assert_int_equal(code_of(variant("\"to\":\"+4915112345678\",", ""), cfg), 131008);
    assert_int_equal(code_of(variant("\"type\":\"template\"", "\"type\":\"text\""), cfg), 100);
    mock_config_unref(cfg);
}

static void template_errors(void **state)
{
    mock_config_t *cfg = mock_config_new_default();
    assert_int_equal(code_of(variant("\"name\":\"spring_sale\",", ""), cfg), 131008);
    assert_int_equal(code_of(variant("\"code\":\"en\"", "\"x\":1"), cfg), 131008);
    assert_int_equal(code_of(variant("\"code\":\"en\"", "\"code\":\"\""), cfg), 131008);
    assert_int_equal(code_of(variant("\"text\":\"Asha\"", "\"txt\":\"Asha\""), cfg), 131008);
    assert_int_equal(code_of(variant("\"text\":\"Asha\"", "\"text\":\"\""), cfg), 100);
    assert_int_equal(
        code_of(variant("\"type\":\"text\",\"text\":\"Asha\"", "\"type\":\"bogus\""), cfg), 100);
    assert_int_equal(code_of(variant("\"Asha\"", "\"two\\nlines\""), cfg), 132018);
    assert_int_equal(code_of(variant("\"Asha\"", "\"five     spaces\""), cfg), 132018);
    assert_int_equal(code_of(variant("\"Asha\"", "\"four    spaces\""), cfg), 0);
    mock_config_unref(cfg);
}

static void registered_templates_check_name_and_count(void **state)
{
    mock_config_t *cfg = mock_config_new_default();
    /* Nothing registered: any template, any count. */
    assert_int_equal(code_of(variant("spring_sale", "whatever"), cfg), 0);
    char err[128];
    bool help;
    char *argv[] = {"--template", "spring_sale:2", "--template=welcome:0"};
    assert_int_equal(mock_config_parse_args(cfg, 3, argv, &help, err, sizeof err), 0);
    assert_int_equal(code_of(VALID, cfg), 0);
    assert_int_equal(code_of(variant("spring_sale", "whatever"), cfg), 132001);
    assert_int_equal(code_of(variant("spring_sale", "welcome"), cfg), 132000);
    assert_int_equal(code_of(variant(",{\"type\":\"text\",\"text\":\"20%\"}", ""), cfg), 132000);
    mock_error_t e;
    mock_send_request_t req;
    validate(variant("spring_sale", "welcome"), cfg, &e, &req);
    assert_int_equal(e.http_status, 400);
    assert_non_null(strstr(e.details, "(2)"));
    assert_non_null(strstr(e.details, "(0)"));
    /* a template Meta paused for low quality, registered or not; only names in the list */
    char *pause[] = {"--paused-templates", "other,spring_sale"};
    assert_int_equal(mock_config_parse_args(cfg, 2, pause, &help, err, sizeof err), 0);
    assert_int_equal(code_of(VALID, cfg), 132015);
    assert_int_equal(code_of(variant("spring_sale", "spring"), cfg), 132001);
    assert_int_equal(mock_config_template_paused(cfg, "spring"), 0);
    assert_int_equal(mock_config_template_paused(cfg, "other"), 1);
    assert_int_equal(mock_config_template_paused(cfg, ""), 0);
    mock_config_unref(cfg);
}

/* Header and button components are checked as Meta does and recorded for the send log. */
static void header_and_button_components(void **state)
{
    mock_config_t *cfg = mock_config_new_default();
    const char *with_buttons =
        variant("{\"type\":\"header\",\"parameters\":[{\"type\":\"text\",\"text\":\"H\"}]}",
                "{\"type\":\"header\",\"parameters\":[{\"type\":\"image\",\"image\":{\"link\":"
                "\"https://cdn.example.com/a.png\"}}]},{\"type\":\"button\",\"sub_type\":\"url\","
                "\"index\":\"0\",\"parameters\":[{\"type\":\"text\",\"text\":\"c/42\"}]},{\"type\":"
                "\"button\",\"sub_type\":\"copy_code\",\"index\":1,\"parameters\":[{\"type\":"
                "\"coupon_code\",\"coupon_code\":\"SAVE20\"}]}");
    mock_error_t err;
    mock_send_request_t req;
    assert_int_equal(validate(with_buttons, cfg, &err, &req), 0);
    assert_int_equal(req.n_params, 2); /* only the body's count */
    assert_string_equal(req.components, "header:image:https://cdn.example.com/a.png\x1f"
                                        "button0:url:c/42\x1f"
                                        "button1:copy_code:SAVE20");
    mock_send_request_clear(&req);
    /* media uploaded before: its ID instead of a link */
    const char *by_id =
        variant("{\"type\":\"header\",\"parameters\":[{\"type\":\"text\",\"text\":\"H\"}]}",
                "{\"type\":\"header\",\"parameters\":[{\"type\":\"video\",\"video\":{\"id\":"
                "\"1013859600285441\"}}]}");
    assert_int_equal(validate(by_id, cfg, &err, &req), 0);
    assert_string_equal(req.components, "header:video:1013859600285441");
    mock_send_request_clear(&req);

    static const struct {
        const char *from, *to;
        int code;
    } bad[] = {
        {"{\"type\":\"text\",\"text\":\"H\"}", "{\"type\":\"image\",\"image\":{}}", 131008},
        {"{\"type\":\"text\",\"text\":\"H\"}",
         "{\"type\":\"image\",\"image\":{\"link\":\"ftp://x\"}}", 100},
        {"{\"type\":\"text\",\"text\":\"H\"}", "{\"type\":\"location\"}", 100},
        {"{\"type\":\"text\",\"text\":\"H\"}", "{\"type\":\"image\",\"image\":{\"id\":\"12a\"}}",
         100},
        {"{\"type\":\"text\",\"text\":\"H\"}",
         "{\"type\":\"image\",\"image\":{\"id\":\"12\",\"link\":\"https://a\"}}", 100},
        {"\"parameters\":[{\"type\":\"text\",\"text\":\"H\"}]",
         "\"parameters\":[{\"type\":\"text\",\"text\":\"H\"},{\"type\":\"text\",\"text\":\"I\"}]",
         100},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(code_of(variant(bad[i].from, bad[i].to), cfg), bad[i].code);
    const char *button =
        "{\"type\":\"header\",\"parameters\":[{\"type\":\"text\",\"text\":\"H\"}]}";
    static const struct {
        const char *component;
        int code;
    } bad_buttons[] = {
        {"{\"type\":\"button\",\"index\":\"0\",\"parameters\":[{\"type\":\"text\",\"text\":\"x\"}]"
         "}",
         131008},
        {"{\"type\":\"button\",\"sub_type\":\"call\",\"index\":\"0\",\"parameters\":[]}", 100},
        {"{\"type\":\"button\",\"sub_type\":\"url\",\"index\":\"12\",\"parameters\":[{\"type\":"
         "\"text\",\"text\":\"x\"}]}",
         100},
        {"{\"type\":\"button\",\"sub_type\":\"copy_code\",\"index\":0,\"parameters\":[{\"type\":"
         "\"text\",\"text\":\"x\"}]}",
         100},
        {"{\"type\":\"button\",\"sub_type\":\"copy_code\",\"index\":0,\"parameters\":[{\"type\":"
         "\"coupon_code\",\"coupon_code\":\"SIXTEEN-CHARS-XX\"}]}",
         100},
        {"{\"type\":\"button\",\"sub_type\":\"quick_reply\",\"index\":0,\"parameters\":[{"
         "\"type\":\"payload\"}]}",
         131008},
    };
    for (size_t i = 0; i < sizeof bad_buttons / sizeof bad_buttons[0]; i++) {
        char with[1024];
        snprintf(with, sizeof with, "%s,%s", button, bad_buttons[i].component);
        assert_int_equal(code_of(variant(button, with), cfg), bad_buttons[i].code);
    }
    mock_config_unref(cfg);
}

/* Registered with its header and buttons, a template must get exactly those components. */
static void registered_header_and_buttons_must_match(void **state)
{
    mock_config_t *cfg = mock_config_new_default();
    char err[256];
    bool help;
    /* VALID sends a text header and two body parameters, no button */
    char *ok[] = {"--template", "spring_sale:2:text:none"};
    assert_int_equal(mock_config_parse_args(cfg, 2, ok, &help, err, sizeof err), 0);
    assert_int_equal(code_of(VALID, cfg), 0);
    char *image[] = {"--template", "spring_sale:2:image:none"};
    assert_int_equal(mock_config_parse_args(cfg, 2, image, &help, err, sizeof err), 0);
    assert_int_equal(code_of(VALID, cfg), 132000);
    char *button[] = {"--template", "spring_sale:2:text:-,url"};
    assert_int_equal(mock_config_parse_args(cfg, 2, button, &help, err, sizeof err), 0);
    assert_int_equal(code_of(VALID, cfg), 132000); /* button 1 not sent */
    const char *header =
        "{\"type\":\"header\",\"parameters\":[{\"type\":\"text\",\"text\":\"H\"}]}";
    char with[512];
    snprintf(with, sizeof with,
             "%s,{\"type\":\"button\",\"sub_type\":\"url\",\"index\":\"1\",\"parameters\":[{"
             "\"type\":\"text\",\"text\":\"x\"}]}",
             header);
    assert_int_equal(code_of(variant(header, with), cfg), 0);
    snprintf(with, sizeof with,
             "%s,{\"type\":\"button\",\"sub_type\":\"copy_code\",\"index\":1,\"parameters\":[{"
             "\"type\":\"coupon_code\",\"coupon_code\":\"X\"}]}",
             header);
    assert_int_equal(code_of(variant(header, with), cfg), 132000); /* url expected */
    mock_config_unref(cfg);
}

static void callback_data_limited_to_512(void **state)
{
    mock_config_t *cfg = mock_config_new_default();
    char long_value[600], body[8192];
    memset(long_value, 'x', 513);
    long_value[513] = '\0';
    snprintf(body, sizeof body, "%s", variant("c=42;r=9917", long_value));
    assert_int_equal(code_of(body, cfg), 100);
    long_value[512] = '\0';
    snprintf(body, sizeof body, "%s", variant("c=42;r=9917", long_value));
    assert_int_equal(code_of(body, cfg), 0);
    assert_int_equal(code_of(variant("\"c=42;r=9917\"", "42"), cfg), 100);
    mock_config_unref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_payload_is_parsed),
        cmocka_unit_test(envelope_errors_use_code_100_or_131008),
        cmocka_unit_test(template_errors),
        cmocka_unit_test(registered_templates_check_name_and_count),
        cmocka_unit_test(callback_data_limited_to_512),
        cmocka_unit_test(header_and_button_components),
        cmocka_unit_test(registered_header_and_buttons_must_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
