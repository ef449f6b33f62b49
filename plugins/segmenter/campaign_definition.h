/*
 * campaign_definition.h - the "campaign" object of create/update commands, validated and
 * flattened into the text values the campaigns table takes.
 *
 * Why: a definition is checked completely (template mapping, audience rules, rate) when the
 * command arrives, so an operator learns at once that it is wrong, instead of the campaign
 * failing at start time. Unknown keys are refused: a typo must not silently drop a setting.
 */
#ifndef HERALD_SEGMENTER_CAMPAIGN_DEFINITION_H
#define HERALD_SEGMENTER_CAMPAIGN_DEFINITION_H

#include <jansson.h>
#include <stddef.h>

#include "send_window.h"

struct campaign_fields {
    /* NULL = not given (update keeps the stored value). Borrowed from the JSON object. */
    const char *name;
    const char *phone_number_id;
    const char *template_name;
    const char *template_language;
    char *template_params; /* JSON array text, owned; NULL = not given */
    /* header and buttons (template_components.h): the given ones as JSON text, owned ("null"
     * when none is left); NULL = neither given. components_given names the given keys as a
     * PostgreSQL text array ("{header}", "{buttons}", "{header,buttons}"): an update replaces
     * (or with null removes) just those. */
    char *template_components;
    char components_given[24];
    char *audience;   /* JSON object text, owned; NULL = not given */
    int rate_given;   /* 1 when rate_limit_per_second is present; null clears the cap */
    char rate[32];    /* decimal text, "" for null */
    int window_given; /* 1 when send_window is present; null clears it */
    char window[SEND_WINDOW_JSON_MAX]; /* canonical JSON (send_window.h), "" for null */
    int failure_given;                 /* 1 when max_failure_rate is present; null clears it */
    char failure_rate[32];             /* decimal text in (0, 1), "" for null (failure_guard.h) */
};

/* for_create: name, phone_number_id and template.name are required; the language defaults
 * to "en", params to [] and a missing audience to {} (every contact not opted out, like the
 * column default; the control API insists on an explicit audience). Returns 0, or -1 with the
 * reason. Free with campaign_fields_free() in both cases. */
int campaign_fields_parse(const json_t *campaign, int for_create, struct campaign_fields *f,
                          char *err, size_t errlen);
void campaign_fields_free(struct campaign_fields *f);

#endif
