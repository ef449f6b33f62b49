/*
 * The state one mock process shares between its HTTP threads and its webhook thread, and the
 * reply type handlers fill in. Kept in one place so handlers take a single context pointer.
 */
#ifndef MOCK_APP_H
#define MOCK_APP_H

#include "mock_config.h"
#include "mock_counters.h"
#include "mock_rate_limiter.h"
#include "mock_send_log.h"
#include "mock_webhook_sender.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mock_app {
    mock_config_holder_t *config;
    mock_counters_t counters;
    mock_rate_limiter_t *limiter;
    mock_send_log_t *sends;
    mock_webhook_sender_t *webhooks; /* NULL when webhooks are off */
    atomic_uint_fast64_t wamid_counter;
    uint32_t wamid_nonce;
    int64_t started_ms;
} mock_app_t;

typedef enum {
    MOCK_REPLY_RESPOND, /* answer status/body after delay_ms */
    MOCK_REPLY_HANG,    /* answer nothing; close the connection after delay_ms */
} mock_reply_action_t;

typedef struct mock_http_reply {
    mock_reply_action_t action;
    int status;
    char *body; /* malloc'd, owned by the reply */
    size_t body_len;
    const char *content_type; /* static string */
    int64_t delay_ms;
} mock_http_reply_t;

/* Sets a JSON reply taking ownership of body (NUL-terminated). */
void mock_reply_set(mock_http_reply_t *r, int status, char *body);

/* Sets a reply from a JSON value (stolen). */
void mock_reply_json(mock_http_reply_t *r, int status, json_t *value);

#endif
