/*
 * json_writer.h - writes one compact JSON document (an object) straight into a growing
 * buffer, without building a jansson tree.
 *
 * Why not json_pack + json_dumps: on the hot paths (every status of every webhook, every
 * request body and event of the dispatcher) the tree is an allocation per value plus each
 * object's hash table, built only to be serialised at once and thrown away: about 5 µs per
 * webhook status, a tenth of the gateway's CPU, and ~60 of the dispatcher's ~210 allocations
 * per send. Escaping stays jansson's: jansson values are written with json_dumpb, and C strings
 * that need any escaping go through a jansson string too. Only strings made of printable ASCII
 * other than '"' and '\\' - which JSON writes as they are - are copied directly.
 *
 * Usage: json_writer_begin, then per field json_writer_key + one value writer (objects and
 * arrays nest with json_writer_open / json_writer_open_array and their closes; inside an array
 * the value writers add the commas), then json_writer_finish, which hands the text to the
 * caller (free() it) or returns NULL when memory ran out or a string was not UTF-8 at any
 * point. A static library linked into each plugin, like text_buffer; not part of the host ABI.
 */
#ifndef HERALD_JSON_WRITER_H
#define HERALD_JSON_WRITER_H

#include <herald/text_buffer.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_WRITER_MAX_DEPTH 8

struct json_writer {
    struct text_buffer out;
    int depth;
    unsigned char has_item[JSON_WRITER_MAX_DEPTH]; /* a comma is due before the next item */
    unsigned char in_array[JSON_WRITER_MAX_DEPTH];
};

/* Starts the outer object; `hint` is the expected size (the buffer grows past it). */
void json_writer_begin(struct json_writer *w, size_t hint);
/* `key` is a literal of Herald's own: written as is, not escaped. */
void json_writer_key(struct json_writer *w, const char *key);
/* Any jansson value, compact; NULL writes null. */
void json_writer_value(struct json_writer *w, const json_t *v);
/* A C string (UTF-8), escaped as JSON; NULL writes null. */
void json_writer_cstring(struct json_writer *w, const char *s);
/* A literal of Herald's own that needs no escaping, as a JSON string. */
void json_writer_literal(struct json_writer *w, const char *s);
void json_writer_int(struct json_writer *w, int64_t v);
void json_writer_null(struct json_writer *w);
/* A string made of pieces: trusted literals and the escaped contents of jansson strings. */
void json_writer_string_begin(struct json_writer *w);
void json_writer_string_literal(struct json_writer *w, const char *s);
void json_writer_string_part(struct json_writer *w, const json_t *str);
void json_writer_string_end(struct json_writer *w);
/* A nested object or array as the value of the last key (or as an array's next item). */
void json_writer_open(struct json_writer *w);
void json_writer_close(struct json_writer *w);
void json_writer_open_array(struct json_writer *w);
void json_writer_close_array(struct json_writer *w);
/* Closes the outer object. Returns the NUL-terminated text (caller frees), or NULL. */
char *json_writer_finish(struct json_writer *w);

#endif
