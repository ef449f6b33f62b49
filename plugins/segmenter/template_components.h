/*
 * template_components.h - a campaign template's header and buttons: validated from the
 * definition, stored as one JSON value (campaigns.template_components), turned into the extra
 * mapping entries the audience snapshot renders after the body's parameters, and into the
 * `template.header` / `template.buttons` every job carries (docs/architecture.md, `jobs`).
 *
 * Why apart from the body's mapping: Meta sends a marketing template's header media (the same
 * image for everyone), a per-recipient URL suffix or coupon code as separate components; the
 * values that differ per recipient are rendered once at the snapshot like the body's, and the
 * dispatcher learns from the job which value goes where.
 *
 * Definition (both optional, inside `template`):
 *   "header": {"type": "image"|"video"|"document", "link": "https://..." | "id": "<media ID>",
 *              "filename"?: "..."}
 *           | {"type": "text", "param": <mapping entry>}
 *   "buttons": [{"sub_type": "url"|"copy_code"|"quick_reply", "param": <mapping entry>,
 *                "index"?: 0-9 (default: its position)}]   at most 10, indexes distinct
 * A mapping entry is what template.params holds: name, phone, attributes.<key>, =literal.
 */
#ifndef HERALD_SEGMENTER_TEMPLATE_COMPONENTS_H
#define HERALD_SEGMENTER_TEMPLATE_COMPONENTS_H

#include <jansson.h>
#include <stddef.h>

#define TEMPLATE_MAX_BUTTONS 10

/* Validates `header` and `buttons` (either may be NULL) and returns the stored form, a new
 * object {"header"?, "buttons"?} with every button's index filled in, or NULL with the reason
 * in err. Both NULL: returns json_null(). The caller owns the result. */
json_t *template_components_parse(const json_t *header, const json_t *buttons, char *err,
                                  size_t errlen);

/* The stored form's mapping entries in rendering order (the header's param when text, then
 * each button's), appended to `mapping` (a JSON array). Returns 0, -1 on a malformed value. */
int template_components_mapping(const json_t *stored, json_t *mapping);

/* What a job's `template` carries besides name and language: {"header": {type, link | id,
 * filename?}, "buttons": [{sub_type, index}]} without the params; an empty object when the
 * stored form is null. New reference; NULL on a malformed value. */
json_t *template_components_job(const json_t *stored);

#endif
