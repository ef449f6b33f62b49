/*
 * POST /{version}/{phone_number_id}/messages: the one endpoint that must behave like the
 * Cloud API. The order of checks follows what a client sees from Meta: token, path, payload,
 * injected faults, throughput limit, pair limit, permanent recipient errors, then accept.
 */
#ifndef MOCK_SEND_HANDLER_H
#define MOCK_SEND_HANDLER_H

#include "mock_app.h"

void mock_send_handle(mock_app_t *app, const char *version, const char *phone_number_id,
                      const char *authorization, const char *body, size_t body_len,
                      mock_http_reply_t *reply);

#endif
