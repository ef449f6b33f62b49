/*
 * webhook_template_status.c - read a message_template_status_update change (see the header).
 */
#include "webhook_template_status.h"

#include <string.h>

const json_t *webhook_bounded_string(const json_t *v, size_t max)
{
    if (!json_is_string(v))
        return NULL;
    size_t n = json_string_length(v);
    return n && n <= max && strlen(json_string_value(v)) == n ? v : NULL;
}

static int is_event_name(const json_t *v)
{
    for (const char *p = json_string_value(v); *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || *p == '_'))
            return 0;
    return 1;
}

int webhook_template_status_read(const char *field, const json_t *value,
                                 struct webhook_template_status *out)
{
    if (!field || strcmp(field, "message_template_status_update") != 0 || !json_is_object(value))
        return 0;
    out->name = webhook_bounded_string(json_object_get(value, "message_template_name"),
                                       WEBHOOK_TEMPLATE_NAME_MAX);
    out->language = webhook_bounded_string(json_object_get(value, "message_template_language"),
                                           WEBHOOK_TEMPLATE_LANGUAGE_MAX);
    out->event =
        webhook_bounded_string(json_object_get(value, "event"), WEBHOOK_TEMPLATE_EVENT_MAX);
    out->reason =
        webhook_bounded_string(json_object_get(value, "reason"), WEBHOOK_TEMPLATE_REASON_MAX);
    const json_t *id = json_object_get(value, "message_template_id");
    out->template_id = json_is_integer(id) ? id : NULL;
    return out->name && out->language && out->event && is_event_name(out->event);
}
