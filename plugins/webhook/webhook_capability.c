/*
 * webhook_capability.c - Meta's messaging limit out of a webhook change (see the header).
 */
#include "webhook_capability.h"

#include <string.h>

/* Larger than any tier Meta has (100K) by far, small enough that nothing overflows. */
#define LIMIT_MAX 1000000000LL

static enum webhook_limit people_or_none(long long n, int64_t *people)
{
    if (n == -1)
        return WEBHOOK_LIMIT_UNLIMITED;
    if (n < 1 || n > LIMIT_MAX)
        return WEBHOOK_LIMIT_NONE;
    *people = n;
    return WEBHOOK_LIMIT_PEOPLE;
}

/* "2000", "-1", or the number of a tier with an optional K (thousands) or M suffix. */
static enum webhook_limit parse_text(const char *s, int64_t *people)
{
    if (strcmp(s, "TIER_UNLIMITED") == 0 || strcmp(s, "UNLIMITED") == 0 || strcmp(s, "-1") == 0)
        return WEBHOOK_LIMIT_UNLIMITED;
    if (strncmp(s, "TIER_", 5) == 0)
        s += 5;
    long long n = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > LIMIT_MAX)
            return WEBHOOK_LIMIT_NONE;
        n = n * 10 + (*p - '0');
    }
    if (p == s)
        return WEBHOOK_LIMIT_NONE; /* TIER_NOT_SET and anything else unknown */
    if ((*p == 'K' || *p == 'k') && p[1] == '\0')
        n *= 1000;
    else if (*p == 'M' && p[1] == '\0')
        n *= 1000000;
    else if (*p != '\0')
        return WEBHOOK_LIMIT_NONE;
    return people_or_none(n, people);
}

enum webhook_limit webhook_capability_parse_limit(const json_t *v, int64_t *people)
{
    if (json_is_integer(v))
        return people_or_none(json_integer_value(v), people);
    if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
        json_string_length(v) <= 32)
        return parse_text(json_string_value(v), people);
    return WEBHOOK_LIMIT_NONE;
}

enum webhook_limit webhook_capability_limit(const char *field, const json_t *value, int64_t *people)
{
    if (!field || !json_is_object(value))
        return WEBHOOK_LIMIT_NONE;
    const json_t *v = json_object_get(value, "max_daily_conversations_per_business");
    if (strcmp(field, "business_capability_update") == 0) {
        if (!v) /* before February 2026 the per-phone name carried the portfolio's limit */
            v = json_object_get(value, "max_daily_conversation_per_phone");
    } else if (strcmp(field, "phone_number_quality_update") != 0) {
        return WEBHOOK_LIMIT_NONE;
    }
    return webhook_capability_parse_limit(v, people);
}
