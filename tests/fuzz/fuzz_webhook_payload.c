/*
 * fuzz_webhook_payload.c - libFuzzer harness for the webhook payload parser
 * (plugins/webhook/webhook_payload.c), which reads bytes straight from the internet once their
 * signature checked out (and an attacker holding the app secret, or Meta itself, can send
 * anything).
 *
 * Beyond "no crash, no leak, no UB" it checks the parser's promises: an error leaves no
 * events; every event has a key and a payload that is a JSON object of the documented shape,
 * on one of its three topics (a messaging limit Meta announced is a `messaging_limit` command
 * of the shape messaging_limit_command.h checks).
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "webhook_payload.h"

/* The two commands of webhook_commands.h, in the shapes the segmenter's parsers take. */
static void check_command(const struct webhook_event *e, const json_t *j)
{
    const json_t *at = json_object_get(j, "announced_at_ms");
    const char *type = json_string_value(json_object_get(j, "type"));
    FUZZ_CHECK(json_is_string(json_object_get(j, "command_id")));
    FUZZ_CHECK(json_string_length(json_object_get(j, "command_id")) <= 200);
    FUZZ_CHECK(json_is_integer(at) && json_integer_value(at) > 0);
    FUZZ_CHECK(type != NULL);
    if (strcmp(type, "messaging_limit") == 0) {
        const json_t *people = json_object_get(j, "people");
        FUZZ_CHECK(strcmp(e->key, "messaging-limit") == 0);
        FUZZ_CHECK(json_is_string(json_object_get(j, "source")));
        FUZZ_CHECK(json_is_null(people) ||
                   (json_is_integer(people) && json_integer_value(people) > 0));
    } else {
        FUZZ_CHECK(strcmp(type, "template_status") == 0);
        FUZZ_CHECK(strncmp(e->key, "template:", 9) == 0);
        FUZZ_CHECK(json_string_length(json_object_get(j, "template_name")) <= 512);
        FUZZ_CHECK(json_string_length(json_object_get(j, "template_language")) <= 32);
        FUZZ_CHECK(json_string_length(json_object_get(j, "event")) <= 32);
    }
}

static void check_event(const struct webhook_event *e)
{
    FUZZ_CHECK(e->key != NULL && e->payload != NULL);
    json_error_t err;
    json_t *j = json_loads(e->payload, 0, &err);
    FUZZ_CHECK(json_is_object(j));
    if (e->topic == WEBHOOK_TOPIC_CAMPAIGN_COMMANDS) {
        check_command(e, j);
    } else if (e->topic == WEBHOOK_TOPIC_DELIVERY_EVENTS) {
        FUZZ_CHECK(json_is_string(json_object_get(j, "event_id")));
        FUZZ_CHECK(json_is_string(json_object_get(j, "wamid")));
        FUZZ_CHECK(json_is_integer(json_object_get(j, "ts_ms")));
    } else {
        FUZZ_CHECK(e->topic == WEBHOOK_TOPIC_REPLIES);
        FUZZ_CHECK(json_is_string(json_object_get(j, "wamid")));
        FUZZ_CHECK(json_is_string(json_object_get(j, "from")));
        FUZZ_CHECK(strcmp(json_string_value(json_object_get(j, "from")), e->key) == 0);
    }
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct webhook_events ev;
    memset(&ev, 0, sizeof ev);
    enum webhook_parse_result r =
        webhook_payload_parse((const char *)data, size, 1764100000999LL, &ev);
    if (r != WEBHOOK_PARSE_OK)
        FUZZ_CHECK(ev.n == 0);
    FUZZ_CHECK(ev.n == ev.stats.statuses + ev.stats.messages + ev.stats.limit_updates +
                           ev.stats.template_updates);
    for (size_t i = 0; i < ev.n; i++)
        check_event(&ev.items[i]);
    webhook_events_free(&ev);
    return 0;
}
