/*
 * webhook_payload.h - turns one WhatsApp webhook body into the Kafka messages Herald produces.
 *
 * Why: the HTTP handler must stay thin; all knowledge of Meta's payload shape (entries,
 * changes, statuses, inbound messages, biz_opaque_callback_data) lives here, pure and
 * unit-tested. Output payloads follow docs/architecture.md (`delivery-events`, `replies`, and
 * the `messaging_limit` and `template_status` commands on `campaign-commands`,
 * webhook_commands.h).
 */
#ifndef HERALD_WEBHOOK_PAYLOAD_H
#define HERALD_WEBHOOK_PAYLOAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum webhook_topic {
    WEBHOOK_TOPIC_DELIVERY_EVENTS = 0,
    WEBHOOK_TOPIC_REPLIES = 1,
    WEBHOOK_TOPIC_CAMPAIGN_COMMANDS = 2,
};

/* One message to produce. key and payload are heap strings owned by the list. */
struct webhook_event {
    enum webhook_topic topic;
    char *key;
    char *payload;
};

/* What was seen but not turned into an event; exported as metrics by the plugin. */
struct webhook_parse_stats {
    size_t statuses;         /* statuses turned into delivery events */
    size_t messages;         /* inbound messages turned into replies */
    size_t limit_updates;    /* messaging limits Meta announced, turned into commands */
    size_t template_updates; /* template statuses Meta announced, turned into commands */
    size_t unknown_fields;   /* keys of `value` Herald does not use (e.g. "errors") */
    size_t unknown_changes;  /* changes Herald does not use (no messages, no messaging limit) */
    size_t ignored_items;    /* statuses/messages/entries missing required parts or unknown */
};

/* A business phone number and the WABA it belongs to, as a `messages` change names them
 * (metadata.phone_number_id, entry.id); the gateway passes new pairs on (webhook_numbers.h). */
#define WEBHOOK_NUMBERS_MAX 4 /* per body; a body names one or a few numbers */
#define WEBHOOK_ID_MAX      64
struct webhook_number {
    char phone_number_id[WEBHOOK_ID_MAX + 1];
    char waba_id[WEBHOOK_ID_MAX + 1];
    int64_t at_ms; /* the entry's time */
};

struct webhook_events {
    struct webhook_event *items;
    size_t n;
    size_t cap;
    struct webhook_parse_stats stats;
    struct webhook_number numbers[WEBHOOK_NUMBERS_MAX]; /* distinct pairs, in payload order */
    size_t n_numbers;
};

enum webhook_parse_result {
    WEBHOOK_PARSE_OK = 0,
    WEBHOOK_PARSE_INVALID_JSON = 1, /* not JSON, or not an object */
    WEBHOOK_PARSE_NOT_WABA = 2,     /* object != whatsapp_business_account or no entry array */
    WEBHOOK_PARSE_NO_MEMORY = 3,
};

/* Parses `body` (len bytes, need not be NUL-terminated). On WEBHOOK_PARSE_OK `out` holds the
 * events in payload order; on error it is empty. `now_ms` (wall clock) stands in for a missing
 * timestamp. Always call webhook_events_free(out) afterwards. */
enum webhook_parse_result webhook_payload_parse(const char *body, size_t len, int64_t now_ms,
                                                struct webhook_events *out);

void webhook_events_free(struct webhook_events *events);

/* Appends one event; takes ownership of `payload` (freed on failure; NULL counts as out of
 * memory). Returns 0, or -1 when out of memory. */
int webhook_events_push(struct webhook_events *out, enum webhook_topic topic, const char *key,
                        char *payload);

/* Meta's unix seconds (a string, as statuses and messages carry them, or an integer, as
 * entry times do, of at most 12 digits) in milliseconds; now_ms for anything else. */
int64_t webhook_unix_ms(const json_t *v, int64_t now_ms);

/* Logical topic name for the host's produce(). */
const char *webhook_topic_name(enum webhook_topic topic);

#endif
