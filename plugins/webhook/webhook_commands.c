/*
 * webhook_commands.c - account changes as commands for the segmenter (see the header).
 */
#include "webhook_commands.h"

#include "webhook_payload.h"

#include <herald/json_writer.h>
#include <stdio.h>

/* The entry's time (unix seconds) in ms, or now_ms when it has none. */
static int64_t entry_time_ms(const json_t *entry, int64_t now_ms)
{
    return webhook_unix_ms(json_object_get(entry, "time"), now_ms);
}

/* The entry's WABA id when short and plain enough to name the announcement (the segmenter
 * takes at most 64 bytes; a cut in the middle of a UTF-8 character would not be JSON), else
 * NULL. */
static const json_t *waba_id_of(const json_t *entry)
{
    return webhook_bounded_string(json_object_get(entry, "id"), 64);
}

/* The fields every such command has; the writer is left open for the type's own. */
static void begin(struct json_writer *w, const char *id, const char *type, int64_t at_ms,
                  const char *waba)
{
    json_writer_begin(w, 256);
    json_writer_key(w, "command_id");
    json_writer_cstring(w, id);
    json_writer_key(w, "type");
    json_writer_literal(w, type);
    json_writer_key(w, "announced_at_ms");
    json_writer_int(w, at_ms);
    if (waba) {
        json_writer_key(w, "waba_id");
        json_writer_cstring(w, waba);
    }
}

char *webhook_limit_command(const json_t *entry, const char *source, enum webhook_limit limit,
                            int64_t people, int64_t now_ms)
{
    const json_t *waba = waba_id_of(entry);
    int64_t at_ms = entry_time_ms(entry, now_ms);
    char id[200];
    snprintf(id, sizeof(id), "meta:%s:%s:%lld:%lld", source, waba ? json_string_value(waba) : "-",
             (long long)at_ms, limit == WEBHOOK_LIMIT_PEOPLE ? (long long)people : -1LL);
    struct json_writer w;
    begin(&w, id, "messaging_limit", at_ms, json_string_value(waba));
    json_writer_key(&w, "people");
    if (limit == WEBHOOK_LIMIT_PEOPLE)
        json_writer_int(&w, people);
    else
        json_writer_null(&w);
    json_writer_key(&w, "source");
    json_writer_literal(&w, source); /* one of the fields webhook_capability_limit knows */
    return json_writer_finish(&w);
}

char *webhook_template_command(const json_t *entry, const struct webhook_template_status *t,
                               int64_t now_ms, char *key, size_t keylen)
{
    const json_t *waba = waba_id_of(entry);
    int64_t at_ms = entry_time_ms(entry, now_ms);
    char id[200], tid[24] = "-";
    if (t->template_id)
        snprintf(tid, sizeof(tid), "%lld", (long long)json_integer_value(t->template_id));
    snprintf(id, sizeof(id), "meta:message_template_status_update:%s:%lld:%s:%s",
             waba ? json_string_value(waba) : "-", (long long)at_ms, tid,
             json_string_value(t->event));
    snprintf(key, keylen, "template:%s:%s", json_string_value(t->name),
             json_string_value(t->language));
    struct json_writer w;
    begin(&w, id, "template_status", at_ms, json_string_value(waba));
    json_writer_key(&w, "template_name");
    json_writer_value(&w, t->name);
    json_writer_key(&w, "template_language");
    json_writer_value(&w, t->language);
    json_writer_key(&w, "event");
    json_writer_value(&w, t->event);
    if (t->reason) {
        json_writer_key(&w, "reason");
        json_writer_value(&w, t->reason);
    }
    return json_writer_finish(&w);
}

char *webhook_number_command(const struct webhook_number *n, char *key, size_t keylen)
{
    char id[200];
    snprintf(id, sizeof(id), "meta:waba_number:%s:%s:%lld", n->waba_id, n->phone_number_id,
             (long long)n->at_ms);
    snprintf(key, keylen, "number:%s", n->phone_number_id);
    struct json_writer w;
    begin(&w, id, "waba_number", n->at_ms, n->waba_id);
    json_writer_key(&w, "phone_number_id");
    json_writer_cstring(&w, n->phone_number_id);
    return json_writer_finish(&w);
}
