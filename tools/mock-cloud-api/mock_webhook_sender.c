/*
 * Placeholder until the webhook thread lands: no webhooks are sent.
 */
#include "mock_webhook_sender.h"

#include <stddef.h>

mock_webhook_sender_t *mock_webhook_sender_start(mock_config_holder_t *config,
                                                 mock_counters_t *counters, size_t queue_capacity,
                                                 size_t concurrency)
{
    return NULL;
}

void mock_webhook_sender_stop(mock_webhook_sender_t *s) {}

int mock_webhook_sender_submit(mock_webhook_sender_t *s, const char *wamid,
                               const char *phone_number_id, const char *to,
                               const char *callback_data, int fail_code)
{
    return -1;
}

void mock_webhook_sender_reset(mock_webhook_sender_t *s) {}
