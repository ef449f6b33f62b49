/*
 * ctl_campaign_spec.h - turns `campaign create` / `campaign update` flags (and an optional
 * --file campaign.json) into the "campaign" object of the create/update command, in the exact
 * shape docs/architecture.md gives:
 *   {"name":..,"phone_number_id":..,"template":{"name":..,"language":..,"params":[..]},
 *    "audience":{"include_lists":[..],"exclude_lists":[..],"rules":{..}},
 *    "rate_limit_per_second":N|null}
 *
 * Why this exists: the mapping from flags to JSON has rules worth testing on their own
 * (flags override the file, several --rule are AND-ed, ids and rates are validated, create
 * needs name/phone number id/template, update needs at least one change), and it is pure.
 */
#ifndef HERALD_CTL_CAMPAIGN_SPEC_H
#define HERALD_CTL_CAMPAIGN_SPEC_H

#include "ctl_opts.h"

#include <jansson.h>
#include <stdbool.h>

/* The option table both subcommands share (NULL-terminated). */
extern const struct ctl_opt_spec ctl_campaign_spec_opts[];

/*
 * Builds the campaign object. for_create: require name, phone_number_id, template name and
 * default the language to "en"; otherwise require at least one field. Returns a new
 * reference, or NULL with a one-line reason in err.
 */
json_t *ctl_campaign_spec_build(const struct ctl_opts *opts, bool for_create, char *err,
                                size_t errlen);

/* --from-campaign ID[:OUTCOME,...] as the audience's from_campaign object (new reference), or
 * NULL with the reason in err. */
json_t *ctl_from_campaign_parse(const char *arg, char *err, size_t errlen);

/* --send-window 09:00-20:00[@Europe/Berlin] as the campaign's send_window object, "none" as
 * JSON null (new reference); NULL with the reason in err. The times and the zone are checked
 * by the segmenter (send_window.c and PostgreSQL's tz database). */
json_t *ctl_send_window_parse(const char *arg, char *err, size_t errlen);

#endif
