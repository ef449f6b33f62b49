/*
 * api_campaign_validate.h - checks campaign definitions and command bodies sent to the API
 * and turns them into the canonical JSON posted on campaign-commands.
 *
 * Why: a bad definition must be refused at the door with a 400 that names the field, not
 * discovered later by the segmenter. Only known fields are copied, so what travels on Kafka
 * is exactly the documented shape (docs/architecture.md). When the segmenter's compilers are
 * linked (HERALD_API_HAVE_SEGMENTER) the audience rules and template parameter mapping are
 * validated by the very code that will execute them.
 */
#ifndef HERALD_API_CAMPAIGN_VALIDATE_H
#define HERALD_API_CAMPAIGN_VALIDATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api_error.h"

/* Validates `in` as a campaign definition. `partial` = 0 for create (name, phone_number_id,
 * template.name and audience required; template.language defaults to "en", params to [],
 * rate_limit_per_second to null), 1 for update (any non-empty subset). Returns a new object
 * holding only the known, validated fields, or NULL with `err` filled. */
json_t *api_campaign_validate(const json_t *in, int partial, struct api_field_error *err);

/* Validates the body of POST .../schedule: {"at": RFC 3339}. The instant must not be more
 * than 60 s before `now_s`. Returns 0 and the UTC text in at_out, else -1 with `err`. */
int api_schedule_validate(const json_t *in, int64_t now_s, char at_out[21],
                          struct api_field_error *err);

/* The field to name for a reason from the segmenter's audience compiler:
 * "rules.all[0]: ..." -> "audience.rules.all[0]", anything else -> "audience". */
void api_audience_error_field(const char *why, char *field, size_t len);

/* A fresh random command id (UUID v4 text, 36 chars + NUL). Returns 0, -1 if no entropy. */
int api_command_id_new(char out[37]);

/* Builds {"command_id","type","campaign_id"} plus `extra`'s members (borrowed). */
json_t *api_command_build(const char *command_id, const char *type, int64_t campaign_id,
                          const json_t *extra);

#endif
