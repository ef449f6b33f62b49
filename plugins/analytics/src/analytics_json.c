/*
 * analytics_json.c - bounded JSON field readers (see the header).
 */
#include "analytics_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int analytics_json_id(const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return ANALYTICS_FIELD_ABSENT;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i <= 0)
            return ANALYTICS_FIELD_INVALID;
        *out = (int64_t)i;
        return ANALYTICS_FIELD_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n == 0 || n > 19 || strspn(s, "0123456789") != n)
            return ANALYTICS_FIELD_INVALID;
        errno = 0;
        long long i = strtoll(s, NULL, 10);
        if (errno != 0 || i <= 0)
            return ANALYTICS_FIELD_INVALID;
        *out = (int64_t)i;
        return ANALYTICS_FIELD_OK;
    }
    return ANALYTICS_FIELD_INVALID;
}

int analytics_json_ms(const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return ANALYTICS_FIELD_ABSENT;
    if (!json_is_integer(v))
        return ANALYTICS_FIELD_INVALID;
    json_int_t i = json_integer_value(v);
    if (i < ANALYTICS_MIN_TS_MS || i > ANALYTICS_MAX_TS_MS)
        return ANALYTICS_FIELD_INVALID;
    *out = (int64_t)i;
    return ANALYTICS_FIELD_OK;
}

int analytics_json_int32(const json_t *obj, const char *key, int32_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return ANALYTICS_FIELD_ABSENT;
    if (!json_is_integer(v))
        return ANALYTICS_FIELD_INVALID;
    json_int_t i = json_integer_value(v);
    if (i < INT32_MIN || i > INT32_MAX)
        return ANALYTICS_FIELD_INVALID;
    *out = (int32_t)i;
    return ANALYTICS_FIELD_OK;
}

int analytics_json_ident(const json_t *obj, const char *key, char *buf, size_t cap)
{
    const json_t *v = json_object_get(obj, key);
    buf[0] = '\0';
    if (!v || json_is_null(v))
        return ANALYTICS_FIELD_ABSENT;
    if (!json_is_string(v))
        return ANALYTICS_FIELD_INVALID;
    size_t n = json_string_length(v);
    if (n == 0 || n >= cap)
        return ANALYTICS_FIELD_INVALID;
    memcpy(buf, json_string_value(v), n + 1);
    return ANALYTICS_FIELD_OK;
}

void analytics_utf8_copy(char *buf, size_t cap, const char *src, size_t len)
{
    if (len >= cap) {
        len = cap - 1;
        /* Back up over continuation bytes so a multi-byte character is never split. */
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(buf, src, len);
    buf[len] = '\0';
}

int analytics_json_text(const json_t *obj, const char *key, char *buf, size_t cap)
{
    const json_t *v = json_object_get(obj, key);
    buf[0] = '\0';
    if (!v || json_is_null(v))
        return ANALYTICS_FIELD_ABSENT;
    if (!json_is_string(v))
        return ANALYTICS_FIELD_INVALID;
    analytics_utf8_copy(buf, cap, json_string_value(v), json_string_length(v));
    return ANALYTICS_FIELD_OK;
}
