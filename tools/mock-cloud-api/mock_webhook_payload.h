/*
 * Builds webhook bodies in the shape Meta posts them:
 *   {"object":"whatsapp_business_account","entry":[{"id":WABA_ID,"changes":[{"field":
 *    "messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number",
 *    "phone_number_id"}, "statuses":[...]  |  "contacts":[...],"messages":[...]}}]}]}
 * Status objects carry id, status, timestamp (unix seconds as a string), recipient_id, the
 * echoed biz_opaque_callback_data, conversation/pricing on sent and delivered, errors[] on
 * failed. Pure: the caller supplies timestamps and ids.
 */
#ifndef MOCK_WEBHOOK_PAYLOAD_H
#define MOCK_WEBHOOK_PAYLOAD_H

#include "mock_webhook_planner.h"

#include <stddef.h>
#include <stdint.h>

typedef struct mock_webhook_origin {
    const char *waba_id;
    const char *display_phone_number;
    const char *phone_number_id;
} mock_webhook_origin_t;

typedef struct mock_status_info {
    mock_event_kind_t kind; /* SENT, DELIVERED, READ or FAILED */
    const char *wamid;
    const char *recipient_id;
    const char *callback_data; /* NULL = not echoed */
    int64_t timestamp_s;
    int64_t accepted_s; /* start of the conversation window */
    int error_code;     /* FAILED only */
} mock_status_info_t;

typedef struct mock_reply_info {
    const char *from;          /* the customer's number */
    const char *reply_wamid;   /* id of the inbound message */
    const char *context_wamid; /* business message replied to */
    mock_reply_style_t style;
    int64_t timestamp_s;
    const char *text;
} mock_reply_info_t;

/* One POST body carrying n statuses of one phone number. malloc'd; NULL on failure. */
char *mock_webhook_statuses_body(const mock_webhook_origin_t *origin,
                                 const mock_status_info_t *statuses, size_t n);

/* One POST body carrying one inbound message (and its contact). malloc'd. */
char *mock_webhook_reply_body(const mock_webhook_origin_t *origin, const mock_reply_info_t *r);

#endif
