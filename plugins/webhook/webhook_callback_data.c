/*
 * webhook_callback_data.c - strict parser for "c=<id>;r=<id>" (see the header for why).
 */
#include "webhook_callback_data.h"

#include <string.h>

/* Parses a positive decimal id of at most 18 digits from [p, end); -1 when not exactly that. */
static int64_t parse_id(const char *p, const char *end)
{
    int64_t v = 0;
    if (p >= end || end - p > 18 || *p == '0')
        return -1;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

int webhook_callback_data_parse(const char *s, int64_t *campaign_id, int64_t *recipient_id)
{
    *campaign_id = -1;
    *recipient_id = -1;
    if (!s)
        return 0;
    while (*s) {
        const char *end = strchr(s, ';');
        if (!end)
            end = s + strlen(s);
        if (end - s >= 2 && s[1] == '=') {
            int64_t id = parse_id(s + 2, end);
            if (s[0] == 'c' && *campaign_id < 0)
                *campaign_id = id;
            else if (s[0] == 'r' && *recipient_id < 0)
                *recipient_id = id;
        }
        s = *end ? end + 1 : end;
    }
    return *campaign_id > 0;
}
