/*
 * The test-facing endpoints that are not part of the Cloud API: records, statistics,
 * runtime configuration, reset, health and Prometheus metrics.
 */
#ifndef MOCK_ADMIN_HANDLERS_H
#define MOCK_ADMIN_HANDLERS_H

#include "mock_app.h"

void mock_admin_healthz(mock_app_t *app, mock_http_reply_t *reply);
void mock_admin_metrics(mock_app_t *app, mock_http_reply_t *reply);
void mock_admin_sends(mock_app_t *app, const char *since, const char *limit,
                      mock_http_reply_t *reply);
void mock_admin_stats(mock_app_t *app, mock_http_reply_t *reply);
void mock_admin_get_config(mock_app_t *app, mock_http_reply_t *reply);
void mock_admin_set_config(mock_app_t *app, const char *body, size_t len, mock_http_reply_t *reply);
void mock_admin_reset(mock_app_t *app, mock_http_reply_t *reply);
/* POST /mock/announce {"field": "message_template_status_update", "value": {...}}: one
 * account-change webhook, signed and posted to webhook_url as Meta would (tests drive Meta's
 * side with it: template pauses and approvals, a new messaging limit). */
void mock_admin_announce(mock_app_t *app, const char *body, size_t len, mock_http_reply_t *reply);

#endif
