/*
 * webhook_payload.c - Meta webhook JSON -> delivery-events / replies messages.
 * See webhook_payload.h for why; docs/architecture.md for the output shapes.
 */
#include "webhook_payload.h"

#include "webhook_callback_data.h"
#include "webhook_commands.h"
#include <herald/json_writer.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *webhook_topic_name(enum webhook_topic topic)
{
    switch (topic) {
    case WEBHOOK_TOPIC_REPLIES:
        return "replies";
    case WEBHOOK_TOPIC_CAMPAIGN_COMMANDS:
        return "campaign-commands";
    default:
        return "delivery-events";
    }
}

void webhook_events_free(struct webhook_events *events)
{
    for (size_t i = 0; i < events->n; i++) {
        free(events->items[i].key);
        free(events->items[i].payload);
    }
    free(events->items);
    memset(events, 0, sizeof(*events));
}

int webhook_events_push(struct webhook_events *out, enum webhook_topic topic, const char *key,
                        char *text)
{
    char *key_copy = strdup(key);
    if (!text || !key_copy || (out->n == out->cap && out->cap > SIZE_MAX / 2)) {
        free(text);
        free(key_copy);
        return -1;
    }
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        struct webhook_event *items = realloc(out->items, cap * sizeof(*items));
        if (!items) {
            free(text);
            free(key_copy);
            return -1;
        }
        out->items = items;
        out->cap = cap;
    }
    out->items[out->n++] = (struct webhook_event){topic, key_copy, text};
    return 0;
}

/* The field as a jansson string when it is a non-empty string, else NULL. */
static const json_t *str_json(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return json_is_string(v) && json_string_length(v) > 0 ? v : NULL;
}

static const char *str_field(const json_t *obj, const char *name)
{
    return json_string_value(str_json(obj, name));
}

int64_t webhook_unix_ms(const json_t *v, int64_t now_ms)
{
    /* at most 12 digits, like the string form: a larger number would overflow the product */
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= 999999999999)
        return (int64_t)json_integer_value(v) * 1000;
    if (json_is_integer(v))
        return now_ms;
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > 12)
        return now_ms;
    int64_t secs = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return now_ms;
        secs = secs * 10 + (*p - '0');
    }
    return secs * 1000;
}

static int64_t timestamp_ms(const json_t *obj, int64_t now_ms)
{
    return webhook_unix_ms(json_object_get(obj, "timestamp"), now_ms);
}

static void write_id_or_null(struct json_writer *w, int64_t id)
{
    if (id > 0)
        json_writer_int(w, id);
    else
        json_writer_null(w);
}

static int is_known_status(const char *s)
{
    return !strcmp(s, "sent") || !strcmp(s, "delivered") || !strcmp(s, "read") ||
           !strcmp(s, "failed");
}

/* Writes "error":{"code","title","details"?} from the first entry of errors[], if any. */
static void write_status_error(struct json_writer *w, const json_t *status)
{
    const json_t *first = json_array_get(json_object_get(status, "errors"), 0);
    if (!json_is_object(first))
        return;
    const json_t *code = json_object_get(first, "code");
    const json_t *title = str_json(first, "title");
    if (!title)
        title = str_json(first, "message");
    const json_t *details = str_json(json_object_get(first, "error_data"), "details");
    json_writer_key(w, "error");
    json_writer_open(w);
    json_writer_key(w, "code");
    json_writer_value(w, json_is_integer(code) ? code : NULL);
    json_writer_key(w, "title");
    json_writer_value(w, title);
    if (details) {
        json_writer_key(w, "details");
        json_writer_value(w, details);
    }
    json_writer_close(w);
}

static int add_status(struct webhook_events *out, const json_t *st, int64_t now_ms)
{
    const json_t *wamid = str_json(st, "id");
    const json_t *status = str_json(st, "status");
    if (!json_is_object(st) || !wamid || !status || !is_known_status(json_string_value(status))) {
        out->stats.ignored_items++;
        return 0;
    }
    int64_t campaign_id, recipient_id;
    int known = webhook_callback_data_parse(str_field(st, "biz_opaque_callback_data"), &campaign_id,
                                            &recipient_id);
    struct json_writer w;
    json_writer_begin(&w, 320);
    json_writer_key(&w, "event_id");
    json_writer_string_begin(&w);
    json_writer_string_literal(&w, "wh-");
    json_writer_string_part(&w, wamid);
    json_writer_string_literal(&w, "-");
    json_writer_string_part(&w, status);
    json_writer_string_end(&w);
    json_writer_key(&w, "type");
    json_writer_value(&w, status);
    json_writer_key(&w, "campaign_id");
    write_id_or_null(&w, campaign_id);
    json_writer_key(&w, "recipient_id");
    write_id_or_null(&w, known ? recipient_id : -1);
    json_writer_key(&w, "phone");
    json_writer_value(&w, str_json(st, "recipient_id"));
    json_writer_key(&w, "wamid");
    json_writer_value(&w, wamid);
    json_writer_key(&w, "ts_ms");
    json_writer_int(&w, timestamp_ms(st, now_ms));
    write_status_error(&w, st);
    char key[24];
    if (known)
        snprintf(key, sizeof(key), "%lld", (long long)campaign_id);
    out->stats.statuses++;
    return webhook_events_push(out, WEBHOOK_TOPIC_DELIVERY_EVENTS,
                               known ? key : json_string_value(wamid), json_writer_finish(&w));
}

/* The human-readable part of an inbound message, whatever its type. */
static const json_t *message_text(const json_t *msg, const char *type)
{
    const json_t *part = json_object_get(msg, type);
    if (!strcmp(type, "text"))
        return str_json(part, "body");
    if (!strcmp(type, "button"))
        return str_json(part, "text");
    if (!strcmp(type, "interactive")) {
        const json_t *t = str_json(json_object_get(part, "button_reply"), "title");
        return t ? t : str_json(json_object_get(part, "list_reply"), "title");
    }
    return str_json(part, "caption"); /* image, video, document */
}

static const json_t *profile_name(const json_t *contacts, const char *wa_id)
{
    size_t i;
    const json_t *c;
    json_array_foreach(contacts, i, c)
    {
        const char *id = str_field(c, "wa_id");
        if (id && !strcmp(id, wa_id))
            return str_json(json_object_get(c, "profile"), "name");
    }
    return NULL;
}

static int add_message(struct webhook_events *out, const json_t *msg, const json_t *contacts,
                       int64_t now_ms)
{
    const json_t *from = str_json(msg, "from");
    const json_t *wamid = str_json(msg, "id");
    const json_t *type = str_json(msg, "type");
    if (!json_is_object(msg) || !from || !wamid) {
        out->stats.ignored_items++;
        return 0;
    }
    const char *type_name = type ? json_string_value(type) : "unknown";
    const json_t *button_payload = str_json(json_object_get(msg, "button"), "payload");
    struct json_writer w;
    json_writer_begin(&w, 320);
    json_writer_key(&w, "wamid");
    json_writer_value(&w, wamid);
    json_writer_key(&w, "from");
    json_writer_value(&w, from);
    json_writer_key(&w, "ts_ms");
    json_writer_int(&w, timestamp_ms(msg, now_ms));
    json_writer_key(&w, "type");
    if (type) {
        json_writer_value(&w, type);
    } else { /* "unknown": a literal of ours, nothing to escape */
        json_writer_string_begin(&w);
        json_writer_string_literal(&w, type_name);
        json_writer_string_end(&w);
    }
    json_writer_key(&w, "text");
    json_writer_value(&w, message_text(msg, type_name));
    json_writer_key(&w, "context_id");
    json_writer_value(&w, str_json(json_object_get(msg, "context"), "id"));
    json_writer_key(&w, "profile_name");
    json_writer_value(&w, profile_name(contacts, json_string_value(from)));
    if (button_payload) {
        json_writer_key(&w, "button_payload");
        json_writer_value(&w, button_payload);
    }
    out->stats.messages++;
    return webhook_events_push(out, WEBHOOK_TOPIC_REPLIES, json_string_value(from),
                               json_writer_finish(&w));
}

static int is_known_value_key(const char *key)
{
    return !strcmp(key, "messaging_product") || !strcmp(key, "metadata") ||
           !strcmp(key, "contacts") || !strcmp(key, "statuses") || !strcmp(key, "messages");
}

/* Remembers which WABA (entry.id) the change's number (metadata.phone_number_id) belongs to. */
static void note_number(struct webhook_events *out, const json_t *entry, const json_t *value,
                        int64_t now_ms)
{
    const json_t *metadata = json_object_get(value, "metadata");
    const char *number = json_string_value(
        webhook_bounded_string(json_object_get(metadata, "phone_number_id"), WEBHOOK_ID_MAX));
    const char *waba =
        json_string_value(webhook_bounded_string(json_object_get(entry, "id"), WEBHOOK_ID_MAX));
    if (!number || !waba)
        return;
    for (size_t i = 0; i < out->n_numbers; i++)
        if (!strcmp(out->numbers[i].phone_number_id, number) &&
            !strcmp(out->numbers[i].waba_id, waba))
            return;
    if (out->n_numbers == WEBHOOK_NUMBERS_MAX)
        return; /* the rest is announced by a later webhook */
    struct webhook_number *n = &out->numbers[out->n_numbers++];
    snprintf(n->phone_number_id, sizeof(n->phone_number_id), "%s", number);
    snprintf(n->waba_id, sizeof(n->waba_id), "%s", waba);
    n->at_ms = webhook_unix_ms(json_object_get(entry, "time"), now_ms);
}

static int add_change(struct webhook_events *out, const json_t *entry, const json_t *change,
                      int64_t now_ms)
{
    const char *field = str_field(change, "field");
    const json_t *value = json_object_get(change, "value");
    int64_t people = 0;
    enum webhook_limit limit = webhook_capability_limit(field, value, &people);
    if (limit != WEBHOOK_LIMIT_NONE) {
        out->stats.limit_updates++;
        return webhook_events_push(out, WEBHOOK_TOPIC_CAMPAIGN_COMMANDS, WEBHOOK_LIMIT_KEY,
                                   webhook_limit_command(entry, field, limit, people, now_ms));
    }
    struct webhook_template_status template;
    if (webhook_template_status_read(field, value, &template)) {
        char key[16 + WEBHOOK_TEMPLATE_NAME_MAX + WEBHOOK_TEMPLATE_LANGUAGE_MAX];
        char *cmd = webhook_template_command(entry, &template, now_ms, key, sizeof(key));
        out->stats.template_updates++;
        return webhook_events_push(out, WEBHOOK_TOPIC_CAMPAIGN_COMMANDS, key, cmd);
    }
    if (!field || strcmp(field, "messages") != 0) {
        out->stats.unknown_changes++;
        return 0;
    }
    if (!json_is_object(value)) {
        out->stats.ignored_items++;
        return 0;
    }
    note_number(out, entry, value, now_ms);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)value, key, v)
    {
        if (!is_known_value_key(key))
            out->stats.unknown_fields++;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(json_object_get(value, "statuses"), i, item)
    {
        if (add_status(out, item, now_ms) != 0)
            return -1;
    }
    const json_t *contacts = json_object_get(value, "contacts");
    json_array_foreach(json_object_get(value, "messages"), i, item)
    {
        if (add_message(out, item, contacts, now_ms) != 0)
            return -1;
    }
    return 0;
}

static int add_entries(struct webhook_events *out, const json_t *entries, int64_t now_ms)
{
    size_t i, j;
    const json_t *entry, *change;
    json_array_foreach(entries, i, entry)
    {
        const json_t *changes = json_object_get(entry, "changes");
        if (!json_is_array(changes)) {
            out->stats.ignored_items++;
            continue;
        }
        json_array_foreach(changes, j, change)
        {
            if (!json_is_object(change)) {
                out->stats.ignored_items++;
                continue;
            }
            if (add_change(out, entry, change, now_ms) != 0)
                return -1;
        }
    }
    return 0;
}

enum webhook_parse_result webhook_payload_parse(const char *body, size_t len, int64_t now_ms,
                                                struct webhook_events *out)
{
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return WEBHOOK_PARSE_INVALID_JSON;
    }
    const char *object = str_field(root, "object");
    const json_t *entries = json_object_get(root, "entry");
    enum webhook_parse_result rc = WEBHOOK_PARSE_OK;
    if (!object || strcmp(object, "whatsapp_business_account") != 0 || !json_is_array(entries))
        rc = WEBHOOK_PARSE_NOT_WABA;
    else if (add_entries(out, entries, now_ms) != 0)
        rc = WEBHOOK_PARSE_NO_MEMORY;
    if (rc != WEBHOOK_PARSE_OK)
        webhook_events_free(out);
    json_decref(root);
    return rc;
}
