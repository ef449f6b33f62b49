/*
 * webhook_capability.h - the business messaging limit Meta announces in a webhook change.
 *
 * Why: Meta raises (and lowers) a business portfolio's 24-hour messaging limit on its own and
 * says so in a `business_capability_update` change (`max_daily_conversations_per_business`,
 * before it the deprecated `max_daily_conversation_per_phone`) and in a
 * `phone_number_quality_update` one. The segmenter keeps every campaign under that limit
 * (docs/segmenter.md, "Messaging limit"); reading Meta's word here lets it follow a new limit
 * the moment it is announced instead of when an operator notices. The value comes as a number
 * (2000, -1 for unlimited) or as a tier ("TIER_2K", "TIER_UNLIMITED"); both are read here,
 * pure and unit-tested.
 */
#ifndef HERALD_WEBHOOK_CAPABILITY_H
#define HERALD_WEBHOOK_CAPABILITY_H

#include <jansson.h>
#include <stdint.h>

enum webhook_limit {
    WEBHOOK_LIMIT_NONE = 0,      /* the change announces no messaging limit (or one unreadable) */
    WEBHOOK_LIMIT_PEOPLE = 1,    /* *people holds it */
    WEBHOOK_LIMIT_UNLIMITED = 2, /* no limit */
};

/* The limit a change of `field` with `value` announces. */
enum webhook_limit webhook_capability_limit(const char *field, const json_t *value,
                                            int64_t *people);

/* One limit value as Meta writes it: 2000, -1, "2000", "TIER_2K", "TIER_UNLIMITED". */
enum webhook_limit webhook_capability_parse_limit(const json_t *v, int64_t *people);

#endif
