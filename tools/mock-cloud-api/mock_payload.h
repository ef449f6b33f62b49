/*
 * Validation of a send request body the way the Cloud API does it, turning a raw body into
 * the few fields the mock needs (recipient, template, body parameters, callback data) or a
 * Meta error with the right code:
 *   100     malformed JSON, wrong messaging_product / recipient_type / type, bad "to",
 *           wrong JSON types, biz_opaque_callback_data over 512 characters
 *   131008  required parameter missing (template, name, language.code, parameter text)
 *   132015  template paused for low quality (paused_templates)
 *   132001  template not registered (only when templates are registered)
 *   132000  body parameter count differs from the registered template
 *   132018  parameter text with newline/tab or more than 4 consecutive spaces
 * Pure logic: no I/O, no globals, so it is unit-tested directly.
 */
#ifndef MOCK_PAYLOAD_H
#define MOCK_PAYLOAD_H

#include "mock_config.h"
#include "mock_error.h"

#include <jansson.h>
#include <stddef.h>

#define MOCK_MAX_STORED_PARAMS 32
#define MOCK_MAX_CALLBACK_DATA 512

typedef struct mock_send_request {
    json_t *root;         /* owns every string below */
    const char *to_input; /* "to" as given */
    char wa_id[24];       /* digits only */
    const char *template_name;
    const char *language;
    const char *callback_data;                  /* NULL when absent */
    size_t n_params;                            /* body parameters, counted */
    const char *params[MOCK_MAX_STORED_PARAMS]; /* text (or type name) of the first ones */
    /* Header and button parameters as "header:image:<link>", "button0:url:<text>", ...,
     * separated by MOCK_COMPONENT_SEP (truncated at the buffer's end; for the send log). */
    char components[1024];
    char header_kind;      /* 't', 'i', 'v', 'd' as sent; 0 = no header */
    char button_kinds[10]; /* per index: 'u', 'c', 'q' as sent; 0 = none */
} mock_send_request_t;

#define MOCK_COMPONENT_SEP '\x1f'

/*
 * Parses and validates. On success returns 0 and fills req (release with
 * mock_send_request_clear); on failure returns -1, fills err and leaves nothing to free.
 */
int mock_payload_validate(const char *body, size_t len, const mock_config_t *cfg,
                          mock_send_request_t *req, mock_error_t *err);

void mock_send_request_clear(mock_send_request_t *req);

#endif
