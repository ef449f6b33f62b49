/*
 * webhook_callback_data.h - reads the campaign/recipient identity Herald puts into
 * biz_opaque_callback_data ("c=<campaign_id>;r=<recipient_id>") when it sends a template.
 *
 * Why: Meta echoes that string in sent/delivered/read statuses, so the webhook can key the
 * event by campaign without a database lookup. The string crosses the internet and back, so it
 * is parsed strictly: anything unexpected means "unknown" rather than a wrong id.
 */
#ifndef HERALD_WEBHOOK_CALLBACK_DATA_H
#define HERALD_WEBHOOK_CALLBACK_DATA_H

#include <stdint.h>

/* Parses `s`. Sets *campaign_id / *recipient_id to the positive ids found, or -1 for a missing
 * or malformed part. Returns 1 when a campaign id was found, 0 otherwise (s may be NULL). */
int webhook_callback_data_parse(const char *s, int64_t *campaign_id, int64_t *recipient_id);

#endif
