/*
 * Webhook bodies must parse the way a real WhatsApp webhook parses (object, entry[].changes[]
 * .value with metadata and statuses[] or contacts[]+messages[]), and the planner must honour
 * the configured shares.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mock_random.h"
#include "mock_webhook_payload.h"
#include "mock_webhook_planner.h"

static const mock_webhook_origin_t ORIGIN = {"WABA1", "15550001111", "106540352242922"};

static json_t *value_of(char *body)
{
    assert_non_null(body);
    json_t *root = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "object")),
                        "whatsapp_business_account");
    json_t *entry = json_array_get(json_object_get(root, "entry"), 0);
    assert_string_equal(json_string_value(json_object_get(entry, "id")), "WABA1");
    json_t *change = json_array_get(json_object_get(entry, "changes"), 0);
    assert_string_equal(json_string_value(json_object_get(change, "field")), "messages");
    json_t *value = json_incref(json_object_get(change, "value"));
    json_decref(root);
    json_t *meta = json_object_get(value, "metadata");
    assert_string_equal(json_string_value(json_object_get(meta, "phone_number_id")),
                        "106540352242922");
    assert_string_equal(json_string_value(json_object_get(meta, "display_phone_number")),
                        "15550001111");
    return value;
}

static void batched_statuses(void **state)
{
    mock_status_info_t st[2] = {
        {MOCK_EV_DELIVERED, "wamid.X", "4915112345678", "c=42;r=9917", 1700000100, 1700000000, 0},
        {MOCK_EV_FAILED, "wamid.Y", "4915112345679", NULL, 1700000101, 1700000000, 131026},
    };
    json_t *value = value_of(mock_webhook_statuses_body(&ORIGIN, st, 2));
    json_t *statuses = json_object_get(value, "statuses");
    assert_int_equal(json_array_size(statuses), 2);
    json_t *d = json_array_get(statuses, 0);
    assert_string_equal(json_string_value(json_object_get(d, "id")), "wamid.X");
    assert_string_equal(json_string_value(json_object_get(d, "status")), "delivered");
    assert_string_equal(json_string_value(json_object_get(d, "timestamp")), "1700000100");
    assert_string_equal(json_string_value(json_object_get(d, "recipient_id")), "4915112345678");
    assert_string_equal(json_string_value(json_object_get(d, "biz_opaque_callback_data")),
                        "c=42;r=9917");
    assert_non_null(json_object_get(json_object_get(d, "conversation"), "id"));
    assert_true(json_is_true(json_object_get(json_object_get(d, "pricing"), "billable")));
    json_t *f = json_array_get(statuses, 1);
    assert_string_equal(json_string_value(json_object_get(f, "status")), "failed");
    assert_null(json_object_get(f, "biz_opaque_callback_data"));
    json_t *err = json_array_get(json_object_get(f, "errors"), 0);
    assert_int_equal(json_integer_value(json_object_get(err, "code")), 131026);
    assert_string_equal(json_string_value(json_object_get(err, "title")), "Message undeliverable");
    assert_non_null(json_object_get(json_object_get(err, "error_data"), "details"));
    json_decref(value);
}

static void replies_with_and_without_context(void **state)
{
    mock_reply_info_t r = {"4915112345678",          "wamid.IN", "wamid.OUT",
                           MOCK_REPLY_QUOTED_BUTTON, 1700000200, "Interested"};
    json_t *value = value_of(mock_webhook_reply_body(&ORIGIN, &r));
    json_t *contact = json_array_get(json_object_get(value, "contacts"), 0);
    assert_string_equal(json_string_value(json_object_get(contact, "wa_id")), "4915112345678");
    assert_non_null(json_object_get(json_object_get(contact, "profile"), "name"));
    json_t *m = json_array_get(json_object_get(value, "messages"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "from")), "4915112345678");
    assert_string_equal(json_string_value(json_object_get(m, "id")), "wamid.IN");
    assert_string_equal(json_string_value(json_object_get(m, "type")), "button");
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "button"), "payload")),
                        "Interested");
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "context"), "id")),
                        "wamid.OUT");
    json_decref(value);

    r.style = MOCK_REPLY_PLAIN_TEXT;
    value = value_of(mock_webhook_reply_body(&ORIGIN, &r));
    m = json_array_get(json_object_get(value, "messages"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "type")), "text");
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "text"), "body")),
                        "Interested");
    assert_null(json_object_get(m, "context"));
    json_decref(value);
}

static size_t count(const mock_plan_t *p, mock_event_kind_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->events[i].kind == k;
    return n;
}

static void planner_follows_the_shares(void **state)
{
    mock_random_seed(42);
    mock_config_t *c = mock_config_new_default();
    c->delivered_share = 1;
    c->read_share = 1;
    c->reply_share = 1;
    c->fail_share = 0;
    c->duplicate_share = 0;
    c->reorder_share = 0;
    mock_plan_t p;
    mock_webhook_plan(c, 0, &p);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.events[0].kind, MOCK_EV_SENT);
    assert_int_equal(p.events[1].kind, MOCK_EV_DELIVERED);
    assert_int_equal(p.events[2].kind, MOCK_EV_READ);
    assert_int_equal(p.events[3].kind, MOCK_EV_REPLY);
    for (size_t i = 1; i < 3; i++)
        assert_true(p.events[i].delay_ms > p.events[i - 1].delay_ms - c->webhook_jitter_ms);

    c->duplicate_share = 1;
    mock_webhook_plan(c, 0, &p);
    assert_int_equal(p.n, 8);
    assert_int_equal(p.duplicates, 4);

    c->duplicate_share = 0;
    c->reorder_share = 1;
    mock_webhook_plan(c, 0, &p);
    assert_true(p.reordered);
    int inverted = 0;
    for (size_t i = 0; i + 1 < 3; i++)
        inverted |= p.events[i].delay_ms > p.events[i + 1].delay_ms &&
                    p.events[i].happened_ms <= p.events[i + 1].happened_ms + c->webhook_jitter_ms;
    assert_true(inverted);

    c->reorder_share = 0;
    mock_webhook_plan(c, 131050, &p);
    assert_int_equal(count(&p, MOCK_EV_FAILED), 1);
    assert_int_equal(count(&p, MOCK_EV_DELIVERED), 0);
    for (size_t i = 0; i < p.n; i++)
        if (p.events[i].kind == MOCK_EV_FAILED)
            assert_int_equal(p.events[i].error_code, 131050);

    /* Shares over many messages. */
    c->delivered_share = 0.9;
    c->read_share = 0.5;
    c->reply_share = 0.2;
    c->fail_share = 0.1;
    size_t sent = 0, failed = 0, replies = 0, quoted = 0;
    for (int i = 0; i < 20000; i++) {
        mock_webhook_plan(c, 0, &p);
        failed += count(&p, MOCK_EV_FAILED);
        sent += count(&p, MOCK_EV_SENT);
        for (size_t j = 0; j < p.n; j++)
            if (p.events[j].kind == MOCK_EV_REPLY) {
                replies++;
                quoted += p.events[j].reply_style != MOCK_REPLY_PLAIN_TEXT;
            }
    }
    assert_in_range(failed, 1700, 2300); /* 10 % */
    assert_in_range(replies, 20000 * 0.9 * 0.9 * 0.2 * 0.85, 20000 * 0.9 * 0.9 * 0.2 * 1.15);
    assert_in_range(quoted * 100 / replies, 44, 56); /* half quote the message */
    assert_true(sent > 18000);
    mock_config_unref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batched_statuses),
        cmocka_unit_test(replies_with_and_without_context),
        cmocka_unit_test(planner_follows_the_shares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
