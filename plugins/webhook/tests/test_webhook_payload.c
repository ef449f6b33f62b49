/*
 * test_webhook_payload.c - Meta webhook bodies -> delivery-events / replies messages: a full
 * multi-entry payload checked field by field, every refusal class, unknown parts counted,
 * callback-data parsing, and fuzz-ish malformed inputs (every truncation, byte flips, deep
 * nesting) that must never crash or leak (run under ASan in the sanitize build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_callback_data.h"
#include "webhook_capability.h"
#include "webhook_commands.h"
#include "webhook_payload.h"

#define NOW 1764100000999LL

static const char *SAMPLE =
    "{\"object\":\"whatsapp_business_account\",\"entry\":["
    " {\"id\":\"WABA1\",\"changes\":[{\"field\":\"messages\",\"value\":{"
    "   \"messaging_product\":\"whatsapp\","
    "   \"metadata\":{\"display_phone_number\":\"15550001\",\"phone_number_id\":\"1098765\"},"
    "   \"statuses\":["
    "     {\"id\":\"wamid.A\",\"status\":\"delivered\",\"timestamp\":\"1764100001\","
    "      \"recipient_id\":\"4915112345678\",\"biz_opaque_callback_data\":\"c=42;r=17\","
    "      \"conversation\":{\"id\":\"cv\",\"origin\":{\"type\":\"marketing\"}},"
    "      \"pricing\":{\"billable\":true,\"pricing_model\":\"CBP\",\"category\":\"marketing\"}},"
    "     {\"id\":\"wamid.B\",\"status\":\"failed\",\"timestamp\":\"1764100002\","
    "      \"recipient_id\":\"4915100000001\","
    "      \"errors\":[{\"code\":131026,\"title\":\"Message undeliverable\","
    "                   \"error_data\":{\"details\":\"not on WhatsApp\"}}]}"
    "   ]}}]},"
    " {\"id\":\"WABA2\",\"changes\":["
    "   {\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","
    "     \"contacts\":[{\"profile\":{\"name\":\"Asha\"},\"wa_id\":\"4915112345678\"}],"
    "     \"messages\":["
    "       {\"from\":\"4915112345678\",\"id\":\"wamid.in1\",\"timestamp\":\"1764100005\","
    "        \"type\":\"text\",\"text\":{\"body\":\"Yes please\"},"
    "        \"context\":{\"from\":\"15550001\",\"id\":\"wamid.A\"}},"
    "       {\"from\":\"4915199999999\",\"id\":\"wamid.in2\",\"timestamp\":\"1764100006\","
    "        \"type\":\"button\",\"button\":{\"payload\":\"STOP\",\"text\":\"Stop promotions\"},"
    "        \"context\":{\"id\":\"wamid.C\"}}"
    "     ],"
    "     \"statuses\":[{\"id\":\"wamid.C\",\"status\":\"read\",\"timestamp\":\"1764100007\","
    "       \"recipient_id\":\"4915199999999\",\"biz_opaque_callback_data\":\"c=7;r=3\"}]}},"
    "   {\"field\":\"account_update\",\"value\":{\"event\":\"VERIFIED_ACCOUNT\"}}"
    " ]}"
    "]}";

static enum webhook_parse_result parse(const char *body, struct webhook_events *ev)
{
    return webhook_payload_parse(body, strlen(body), NOW, ev);
}

static json_t *payload_of(const struct webhook_events *ev, size_t i)
{
    json_t *j = json_loads(ev->items[i].payload, 0, NULL);
    assert_non_null(j);
    return j;
}

static void assert_str_field(json_t *j, const char *name, const char *want)
{
    json_t *v = json_object_get(j, name);
    if (!want) {
        assert_true(json_is_null(v));
        return;
    }
    assert_true(json_is_string(v));
    assert_string_equal(json_string_value(v), want);
}

static void assert_int_field(json_t *j, const char *name, long long want)
{
    json_t *v = json_object_get(j, name);
    assert_true(json_is_integer(v));
    assert_int_equal(json_integer_value(v), want);
}

static void sample_yields_events_in_order(void **state)
{
    struct webhook_events ev;
    assert_int_equal(parse(SAMPLE, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 5);
    assert_int_equal(ev.stats.statuses, 3);
    assert_int_equal(ev.stats.messages, 2);
    assert_int_equal(ev.stats.unknown_changes, 1);
    assert_int_equal(ev.stats.unknown_fields, 0);
    assert_int_equal(ev.stats.ignored_items, 0);

    assert_int_equal(ev.items[0].topic, WEBHOOK_TOPIC_DELIVERY_EVENTS);
    assert_string_equal(ev.items[0].key, "42");
    json_t *j = payload_of(&ev, 0);
    assert_str_field(j, "event_id", "wh-wamid.A-delivered");
    assert_str_field(j, "type", "delivered");
    assert_int_field(j, "campaign_id", 42);
    assert_int_field(j, "recipient_id", 17);
    assert_str_field(j, "phone", "4915112345678");
    assert_str_field(j, "wamid", "wamid.A");
    assert_int_field(j, "ts_ms", 1764100001000LL);
    assert_null(json_object_get(j, "error"));
    json_decref(j);

    assert_string_equal(ev.items[1].key, "wamid.B"); /* no callback data: keyed by wamid */
    j = payload_of(&ev, 1);
    assert_str_field(j, "type", "failed");
    assert_true(json_is_null(json_object_get(j, "campaign_id")));
    assert_true(json_is_null(json_object_get(j, "recipient_id")));
    json_t *err = json_object_get(j, "error");
    assert_int_field(err, "code", 131026);
    assert_str_field(err, "title", "Message undeliverable");
    assert_str_field(err, "details", "not on WhatsApp");
    json_decref(j);

    /* within one change: statuses first, then messages */
    assert_string_equal(ev.items[2].key, "7");
    assert_int_equal(ev.items[3].topic, WEBHOOK_TOPIC_REPLIES);
    assert_string_equal(ev.items[3].key, "4915112345678");
    j = payload_of(&ev, 3);
    assert_str_field(j, "wamid", "wamid.in1");
    assert_str_field(j, "from", "4915112345678");
    assert_int_field(j, "ts_ms", 1764100005000LL);
    assert_str_field(j, "type", "text");
    assert_str_field(j, "text", "Yes please");
    assert_str_field(j, "context_id", "wamid.A");
    assert_str_field(j, "profile_name", "Asha");
    json_decref(j);

    j = payload_of(&ev, 4);
    assert_string_equal(ev.items[4].key, "4915199999999");
    assert_str_field(j, "type", "button");
    assert_str_field(j, "text", "Stop promotions");
    assert_str_field(j, "button_payload", "STOP");
    assert_str_field(j, "context_id", "wamid.C");
    assert_str_field(j, "profile_name", NULL);
    json_decref(j);
    webhook_events_free(&ev);
    assert_int_equal(ev.n, 0);
}

static void refuses_non_json_and_non_objects(void **state)
{
    const char *bad[] = {
        "",         "{",
        "not json", "[]",
        "42",       "\"x\"",
        "null",     "{\"object\":\"whatsapp_business_account\",\"entry\":[]} trailing"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct webhook_events ev;
        assert_int_equal(parse(bad[i], &ev), WEBHOOK_PARSE_INVALID_JSON);
        assert_int_equal(ev.n, 0);
        webhook_events_free(&ev);
    }
}

static void refuses_other_objects(void **state)
{
    const char *bad[] = {
        "{}",
        "{\"object\":\"page\",\"entry\":[]}",
        "{\"object\":\"whatsapp_business_account\"}",
        "{\"object\":\"whatsapp_business_account\",\"entry\":{}}",
        "{\"object\":42,\"entry\":[]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct webhook_events ev;
        assert_int_equal(parse(bad[i], &ev), WEBHOOK_PARSE_NOT_WABA);
        webhook_events_free(&ev);
    }
}

static void empty_entry_list_is_fine(void **state)
{
    struct webhook_events ev;
    assert_int_equal(parse("{\"object\":\"whatsapp_business_account\",\"entry\":[]}", &ev),
                     WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 0);
    webhook_events_free(&ev);
}

static void counts_unknown_and_ignores_broken_items(void **state)
{
    const char *body =
        "{\"object\":\"whatsapp_business_account\",\"entry\":[7,{\"id\":\"x\"},"
        "{\"changes\":[1,{\"field\":\"messages\",\"value\":{\"errors\":[{}],\"foo\":1,"
        "\"statuses\":[{\"status\":\"sent\"},{\"id\":\"w1\",\"status\":\"deleted\"},"
        "{\"id\":\"w2\"},\"str\",{\"id\":\"w3\",\"status\":\"sent\",\"timestamp\":\"12x\"}],"
        "\"messages\":[{\"id\":\"m1\"},{\"from\":\"491\",\"id\":\"m2\"}]}},"
        "{\"value\":{}},{\"field\":\"messages\",\"value\":[]}]}]}";
    struct webhook_events ev;
    assert_int_equal(parse(body, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 2);
    assert_int_equal(ev.stats.unknown_fields, 2);
    assert_int_equal(ev.stats.unknown_changes, 1);
    /* entry 7, entry without changes, change 1, 4 bad statuses, 1 bad message, value [] */
    assert_int_equal(ev.stats.ignored_items, 9);
    json_t *j = payload_of(&ev, 0);
    assert_string_equal(ev.items[0].key, "w3");
    assert_int_field(j, "ts_ms", NOW); /* unparsable timestamp -> now */
    assert_str_field(j, "phone", NULL);
    json_decref(j);
    j = payload_of(&ev, 1);
    assert_str_field(j, "type", "unknown");
    assert_str_field(j, "text", NULL);
    assert_str_field(j, "context_id", NULL);
    json_decref(j);
    webhook_events_free(&ev);
}

static void interactive_and_media_text(void **state)
{
    const char *body =
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
        "\"messages\",\"value\":{\"messages\":["
        "{\"from\":\"1\",\"id\":\"a\",\"timestamp\":1764100000,\"type\":\"interactive\","
        "\"interactive\":{\"type\":\"button_reply\",\"button_reply\":{\"id\":\"b1\","
        "\"title\":\"Yes\"}}},"
        "{\"from\":\"1\",\"id\":\"b\",\"type\":\"interactive\",\"interactive\":{\"list_reply\":"
        "{\"title\":\"Row\"}}},"
        "{\"from\":\"1\",\"id\":\"c\",\"type\":\"image\",\"image\":{\"caption\":\"pic\"}}]}}]}]}";
    struct webhook_events ev;
    assert_int_equal(parse(body, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 3);
    const char *want[] = {"Yes", "Row", "pic"};
    for (size_t i = 0; i < 3; i++) {
        json_t *j = payload_of(&ev, i);
        assert_str_field(j, "text", want[i]);
        if (i == 0)
            assert_int_field(j, "ts_ms", 1764100000000LL);
        json_decref(j);
    }
    webhook_events_free(&ev);
}

static void callback_data_variants(void **state)
{
    int64_t c, r;
    assert_int_equal(webhook_callback_data_parse("c=42;r=9917", &c, &r), 1);
    assert_int_equal(c, 42);
    assert_int_equal(r, 9917);
    assert_int_equal(webhook_callback_data_parse("r=5;c=6", &c, &r), 1);
    assert_int_equal(c, 6);
    assert_int_equal(r, 5);
    assert_int_equal(webhook_callback_data_parse("c=42", &c, &r), 1);
    assert_int_equal(r, -1);
    const char *bad[] = {
        NULL,          "",        "c=",  "c=0",  "c=-1", "c=4x2", "c=1234567890123456789",
        "campaign=42", "x=1;y=2", ";;;", "c=42 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(webhook_callback_data_parse(bad[i], &c, &r), 0);
        assert_int_equal(c, -1);
    }
    assert_int_equal(webhook_callback_data_parse("c=42;r=abc", &c, &r), 1);
    assert_int_equal(r, -1);
}

static void every_truncation_is_handled(void **state)
{
    size_t len = strlen(SAMPLE);
    for (size_t cut = 0; cut < len; cut++) {
        struct webhook_events ev;
        enum webhook_parse_result rc = webhook_payload_parse(SAMPLE, cut, NOW, &ev);
        assert_int_equal(rc, WEBHOOK_PARSE_INVALID_JSON);
        webhook_events_free(&ev);
    }
}

static void byte_flips_never_crash(void **state)
{
    size_t len = strlen(SAMPLE);
    char *buf = malloc(len + 1);
    unsigned seed = 12345;
    const char replacements[] = "{}[]\":,0a\\\x01\xff ";
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, SAMPLE, len + 1);
        int flips = 1 + round % 4;
        for (int f = 0; f < flips; f++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            buf[pos] = replacements[(seed >> 8) % (sizeof(replacements) - 1)];
        }
        struct webhook_events ev;
        enum webhook_parse_result rc = webhook_payload_parse(buf, len, NOW, &ev);
        assert_true(rc == WEBHOOK_PARSE_OK || rc == WEBHOOK_PARSE_INVALID_JSON ||
                    rc == WEBHOOK_PARSE_NOT_WABA);
        for (size_t i = 0; i < ev.n; i++) {
            json_t *j = json_loads(ev.items[i].payload, 0, NULL);
            assert_non_null(j); /* whatever we produce is valid JSON */
            json_decref(j);
            assert_true(strlen(ev.items[i].key) > 0);
        }
        webhook_events_free(&ev);
    }
    free(buf);
}

static void deep_nesting_and_wrong_types(void **state)
{
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    struct webhook_events ev;
    assert_int_equal(parse(deep, &ev), WEBHOOK_PARSE_INVALID_JSON);
    webhook_events_free(&ev);
    free(deep);

    const char *odd =
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
        "\"messages\",\"value\":{\"statuses\":{\"id\":\"x\"},\"messages\":\"no\",\"contacts\":"
        "5,\"metadata\":null}}]}]}";
    assert_int_equal(parse(odd, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 0);
    webhook_events_free(&ev);
}

static void embedded_nul_is_refused(void **state)
{
    const char body[] = "{\"object\":\"whatsapp_business_account\",\"entry\":[]}\0junk";
    struct webhook_events ev;
    assert_int_equal(webhook_payload_parse(body, sizeof(body) - 1, NOW, &ev),
                     WEBHOOK_PARSE_INVALID_JSON);
    webhook_events_free(&ev);
}

/* Strings go out exactly as they came in, whatever they hold: quotes, backslashes, control
 * characters, non-ASCII, and a text far larger than the writer's first buffer. */
static void strings_survive_escaping_and_growth(void **state)
{
    (void)state;
    char big[12001];
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof(big) - 1] = '\0';
    const char *tricky = "say \"hi\" \\ back\nline\ttab \x01 caf\xc3\xa9 \xe2\x82\xac";
    json_t *body =
        json_pack("{s:s, s:[{s:s, s:[{s:s, s:{s:[{s:s, s:s, s:s, s:{s:s}}], s:[{s:s, s:s, s:s, "
                  "s:s, s:s, s:[{s:i, s:s}]}]}}]}]}",
                  "object", "whatsapp_business_account", "entry", "id", "W", "changes", "field",
                  "messages", "value", "messages", "from", "4915", "id", "wamid.m\"1", "type",
                  "text", "text", "body", tricky, "statuses", "id", "wamid.\"q\\", "status",
                  "failed", "timestamp", "1764100002", "recipient_id", "49",
                  "biz_opaque_callback_data", "c=5;r=6", "errors", "code", 131026, "title", big);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct webhook_events ev;
    assert_int_equal(parse(text, &ev), WEBHOOK_PARSE_OK);
    free(text);
    assert_int_equal(ev.n, 2);

    json_t *st = payload_of(&ev, 0);
    assert_str_field(st, "event_id", "wh-wamid.\"q\\-failed");
    assert_str_field(st, "wamid", "wamid.\"q\\");
    json_t *err = json_object_get(st, "error");
    assert_int_field(err, "code", 131026);
    assert_str_field(err, "title", big);
    assert_null(json_object_get(err, "details"));
    json_decref(st);

    json_t *reply = payload_of(&ev, 1);
    assert_str_field(reply, "wamid", "wamid.m\"1");
    assert_str_field(reply, "text", tricky);
    assert_str_field(reply, "context_id", NULL);
    assert_str_field(reply, "profile_name", NULL);
    json_decref(reply);
    webhook_events_free(&ev);
}

/* Meta's messaging limit, as a number or a tier, in either field that carries it. */
static void limit_values_as_meta_writes_them(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        enum webhook_limit want;
        long long people;
    } cases[] = {
        {"2000", WEBHOOK_LIMIT_PEOPLE, 2000},
        {"250", WEBHOOK_LIMIT_PEOPLE, 250},
        {"-1", WEBHOOK_LIMIT_UNLIMITED, 0},
        {"\"TIER_2K\"", WEBHOOK_LIMIT_PEOPLE, 2000},
        {"\"TIER_250\"", WEBHOOK_LIMIT_PEOPLE, 250},
        {"\"TIER_1K\"", WEBHOOK_LIMIT_PEOPLE, 1000},
        {"\"TIER_100K\"", WEBHOOK_LIMIT_PEOPLE, 100000},
        {"\"TIER_UNLIMITED\"", WEBHOOK_LIMIT_UNLIMITED, 0},
        {"\"10000\"", WEBHOOK_LIMIT_PEOPLE, 10000},
        {"\"TIER_NOT_SET\"", WEBHOOK_LIMIT_NONE, 0},
        {"\"TIER_\"", WEBHOOK_LIMIT_NONE, 0},
        {"\"TIER_2KB\"", WEBHOOK_LIMIT_NONE, 0},
        {"\"TIER_99999999999999999999K\"", WEBHOOK_LIMIT_NONE, 0},
        {"0", WEBHOOK_LIMIT_NONE, 0},
        {"-2", WEBHOOK_LIMIT_NONE, 0},
        {"2000000000", WEBHOOK_LIMIT_NONE, 0},
        {"2000.0", WEBHOOK_LIMIT_NONE, 0},
        {"null", WEBHOOK_LIMIT_NONE, 0},
        {"[2000]", WEBHOOK_LIMIT_NONE, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        int64_t people = 0;
        assert_int_equal(webhook_capability_parse_limit(v, &people), cases[i].want);
        if (cases[i].want == WEBHOOK_LIMIT_PEOPLE)
            assert_int_equal(people, cases[i].people);
        json_decref(v);
    }
    int64_t people = 0;
    assert_int_equal(webhook_capability_parse_limit(NULL, &people), WEBHOOK_LIMIT_NONE);
}

static void limit_announcements_become_ordered_commands(void **state)
{
    (void)state;
    const char *body =
        "{\"object\":\"whatsapp_business_account\",\"entry\":["
        " {\"id\":\"524126980791429\",\"time\":1739321024,\"changes\":["
        "   {\"field\":\"business_capability_update\",\"value\":{"
        "     \"max_daily_conversations_per_business\":\"TIER_10K\","
        "     \"max_phone_numbers_per_waba\":25}},"
        "   {\"field\":\"business_capability_update\",\"value\":{"
        "     \"max_daily_conversation_per_phone\":-1}},"
        "{\"field\":\"business_capability_update\",\"value\":{\"max_phone_numbers_per_waba\":25}},"
        "{\"field\":\"phone_number_quality_update\",\"value\":{\"display_phone_number\":\"1555\","
        "     \"event\":\"UPGRADE\",\"current_limit\":\"TIER_2K\","
        "     \"max_daily_conversations_per_business\":\"TIER_2K\"}},"
        "   {\"field\":\"phone_number_quality_update\",\"value\":{\"event\":\"FLAGGED\","
        "     \"current_limit\":\"TIER_2K\"}}"
        " ]},"
        " {\"changes\":[{\"field\":\"business_capability_update\",\"value\":{"
        "   \"max_daily_conversations_per_business\":2000}}]}"
        "]}";
    struct webhook_events ev;
    assert_int_equal(parse(body, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 4);
    assert_int_equal(ev.stats.limit_updates, 4);
    assert_int_equal(ev.stats.unknown_changes, 2); /* no limit in them: not Herald's */
    static const long long want_people[] = {10000, -1, 2000, 2000};
    static const char *const want_source[] = {
        "business_capability_update", "business_capability_update", "phone_number_quality_update",
        "business_capability_update"};
    for (size_t i = 0; i < ev.n; i++) {
        assert_int_equal(ev.items[i].topic, WEBHOOK_TOPIC_CAMPAIGN_COMMANDS);
        assert_string_equal(webhook_topic_name(ev.items[i].topic), "campaign-commands");
        assert_string_equal(ev.items[i].key, "messaging-limit");
        json_t *cmd = payload_of(&ev, i);
        assert_str_field(cmd, "type", "messaging_limit");
        assert_str_field(cmd, "source", want_source[i]);
        if (want_people[i] < 0)
            assert_true(json_is_null(json_object_get(cmd, "people")));
        else
            assert_int_field(cmd, "people", want_people[i]);
        if (i < 3) {
            assert_int_field(cmd, "announced_at_ms", 1739321024000LL);
            assert_str_field(cmd, "waba_id", "524126980791429");
        } else { /* no time, no id: the time it arrived */
            assert_int_field(cmd, "announced_at_ms", NOW);
            assert_null(json_object_get(cmd, "waba_id"));
        }
        json_decref(cmd);
    }
    json_t *a = payload_of(&ev, 0), *b = payload_of(&ev, 1);
    assert_string_equal(json_string_value(json_object_get(a, "command_id")),
                        "meta:business_capability_update:524126980791429:1739321024000:10000");
    assert_string_not_equal(json_string_value(json_object_get(a, "command_id")),
                            json_string_value(json_object_get(b, "command_id")));
    json_decref(a);
    json_decref(b);
    webhook_events_free(&ev);

    /* an id too long for the segmenter (here 40 two-byte characters, which a byte cut would
     * split) is left out rather than making the command unreadable */
    char big[512] = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"";
    for (int i = 0; i < 40; i++)
        strcat(big, "\xc3\xbc");
    strcat(big, "\",\"time\":5,\"changes\":[{\"field\":\"business_capability_update\","
                "\"value\":{\"max_daily_conversations_per_business\":250}}]}]}");
    assert_int_equal(parse(big, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 1);
    json_t *c = payload_of(&ev, 0);
    assert_null(json_object_get(c, "waba_id"));
    assert_str_field(c, "command_id", "meta:business_capability_update:-:5000:250");
    json_decref(c);
    webhook_events_free(&ev);
}

static void template_statuses_become_commands_keyed_by_template(void **state)
{
    (void)state;
    const char *body =
        "{\"object\":\"whatsapp_business_account\",\"entry\":["
        " {\"id\":\"5241\",\"time\":1764300000,\"changes\":["
        "  {\"field\":\"message_template_status_update\",\"value\":{\"event\":\"PAUSED\","
        "   \"message_template_id\":806312974732579,\"message_template_name\":\"spring_sale\","
        "   \"message_template_language\":\"en_US\",\"reason\":\"LOW_QUALITY\"}},"
        "  {\"field\":\"message_template_status_update\",\"value\":{\"event\":\"APPROVED\","
        "   \"message_template_name\":\"spring_sale\",\"message_template_language\":\"en_US\"}},"
        "  {\"field\":\"message_template_status_update\",\"value\":{\"event\":\"paused\","
        "   \"message_template_name\":\"x\",\"message_template_language\":\"en\"}},"
        "  {\"field\":\"message_template_status_update\",\"value\":{\"event\":\"PAUSED\","
        "   \"message_template_language\":\"en\"}}"
        " ]}]}";
    struct webhook_events ev;
    assert_int_equal(parse(body, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 2);
    assert_int_equal(ev.stats.template_updates, 2);
    assert_int_equal(ev.stats.unknown_changes, 2); /* a lower-case event, no template name */
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(ev.items[i].topic, WEBHOOK_TOPIC_CAMPAIGN_COMMANDS);
        assert_string_equal(ev.items[i].key, "template:spring_sale:en_US");
    }
    json_t *paused = payload_of(&ev, 0), *approved = payload_of(&ev, 1);
    assert_str_field(
        paused, "command_id",
        "meta:message_template_status_update:5241:1764300000000:806312974732579:PAUSED");
    assert_str_field(paused, "type", "template_status");
    assert_str_field(paused, "template_name", "spring_sale");
    assert_str_field(paused, "template_language", "en_US");
    assert_str_field(paused, "event", "PAUSED");
    assert_str_field(paused, "reason", "LOW_QUALITY");
    assert_str_field(paused, "waba_id", "5241");
    assert_int_field(paused, "announced_at_ms", 1764300000000LL);
    assert_str_field(approved, "command_id",
                     "meta:message_template_status_update:5241:1764300000000:-:APPROVED");
    assert_null(json_object_get(approved, "reason"));
    json_decref(paused);
    json_decref(approved);
    webhook_events_free(&ev);
}

/* Which WABA each business number belongs to: one pair per distinct (number, WABA) of the
 * body's messages changes, with the entry's time; the command that passes one on. */
static void numbers_and_their_waba_are_noted(void **state)
{
    (void)state;
    struct webhook_events ev;
    assert_int_equal(parse(SAMPLE, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n_numbers, 1); /* WABA2's change names no number */
    assert_string_equal(ev.numbers[0].phone_number_id, "1098765");
    assert_string_equal(ev.numbers[0].waba_id, "WABA1");
    assert_int_equal(ev.numbers[0].at_ms, NOW);
    webhook_events_free(&ev);

    char long_id[80];
    memset(long_id, '9', 65);
    long_id[65] = '\0';
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"object\":\"whatsapp_business_account\",\"entry\":["
             " {\"id\":\"5241\",\"time\":1764300000,\"changes\":["
             "  {\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"11\"}}},"
             "  {\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"11\"}}},"
             "  {\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"%s\"}}},"
             "  {\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":22}}}]},"
             " {\"id\":\"7777\",\"changes\":["
             "  {\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"11\"}}}]},"
             " {\"changes\":["
             "  {\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"33\"}}}]}"
             "]}",
             long_id);
    assert_int_equal(parse(body, &ev), WEBHOOK_PARSE_OK);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.n_numbers, 2);
    assert_string_equal(ev.numbers[0].phone_number_id, "11");
    assert_string_equal(ev.numbers[0].waba_id, "5241");
    assert_int_equal(ev.numbers[0].at_ms, 1764300000000LL);
    assert_string_equal(ev.numbers[1].waba_id, "7777");

    char key[100];
    char *cmd = webhook_number_command(&ev.numbers[0], key, sizeof(key));
    assert_string_equal(key, "number:11");
    json_t *j = json_loads(cmd, 0, NULL);
    assert_non_null(j);
    assert_str_field(j, "command_id", "meta:waba_number:5241:11:1764300000000");
    assert_str_field(j, "type", "waba_number");
    assert_str_field(j, "phone_number_id", "11");
    assert_str_field(j, "waba_id", "5241");
    assert_int_field(j, "announced_at_ms", 1764300000000LL);
    json_decref(j);
    free(cmd);
    webhook_events_free(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_yields_events_in_order),
        cmocka_unit_test(limit_values_as_meta_writes_them),
        cmocka_unit_test(limit_announcements_become_ordered_commands),
        cmocka_unit_test(template_statuses_become_commands_keyed_by_template),
        cmocka_unit_test(numbers_and_their_waba_are_noted),
        cmocka_unit_test(refuses_non_json_and_non_objects),
        cmocka_unit_test(refuses_other_objects),
        cmocka_unit_test(empty_entry_list_is_fine),
        cmocka_unit_test(counts_unknown_and_ignores_broken_items),
        cmocka_unit_test(interactive_and_media_text),
        cmocka_unit_test(callback_data_variants),
        cmocka_unit_test(every_truncation_is_handled),
        cmocka_unit_test(byte_flips_never_crash),
        cmocka_unit_test(deep_nesting_and_wrong_types),
        cmocka_unit_test(embedded_nul_is_refused),
        cmocka_unit_test(strings_survive_escaping_and_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
