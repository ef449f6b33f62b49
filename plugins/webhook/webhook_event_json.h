/*
 * webhook_event_json.h - writes one compact JSON object (an event for delivery-events or
 * replies) straight into a growing buffer.
 *
 * Why not json_pack + json_dumps: every status of every webhook became a jansson tree (an
 * allocation per value plus the object's hash table) only to be serialised at once and thrown
 * away, about 5 µs per status - a tenth of the gateway's CPU per webhook. Every string the
 * events carry is already a jansson value of the parsed payload, so it is written with
 * json_dumpb: jansson still does all escaping, nothing is allocated but the output buffer.
 *
 * Usage: json_event_begin, then json_event_key + one value writer per field (objects nest
 * with json_event_open/json_event_close), then json_event_finish, which hands the text to the
 * caller (free() it) or returns NULL when memory ran out at any point.
 */
#ifndef HERALD_WEBHOOK_EVENT_JSON_H
#define HERALD_WEBHOOK_EVENT_JSON_H

#include <herald/text_buffer.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_EVENT_MAX_DEPTH 8

struct json_event {
    struct text_buffer out;
    int depth;
    unsigned char has_field[JSON_EVENT_MAX_DEPTH]; /* a comma is due before the next key */
};

/* Starts the outer object; `hint` is the expected size (the buffer grows past it). */
void json_event_begin(struct json_event *w, size_t hint);
/* `key` is a literal of Herald's own: written as is, not escaped. */
void json_event_key(struct json_event *w, const char *key);
/* Any jansson value, compact; NULL writes null. */
void json_event_value(struct json_event *w, const json_t *v);
void json_event_int(struct json_event *w, int64_t v);
void json_event_null(struct json_event *w);
/* A string made of pieces: trusted literals and the escaped contents of jansson strings. */
void json_event_string_begin(struct json_event *w);
void json_event_string_literal(struct json_event *w, const char *s);
void json_event_string_part(struct json_event *w, const json_t *str);
void json_event_string_end(struct json_event *w);
/* A nested object as the value of the last key. */
void json_event_open(struct json_event *w);
void json_event_close(struct json_event *w);
/* Closes the outer object. Returns the NUL-terminated text (caller frees), or NULL. */
char *json_event_finish(struct json_event *w);

#endif
