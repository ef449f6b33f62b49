/*
 * The webhook thread: turns accepted sends into signed status and reply webhooks and POSTs
 * them to the configured URL with libcurl multi, as Meta does — delayed, sometimes batched,
 * duplicated or out of order, and retried with backoff when the receiver does not answer 200.
 *
 * The send path only calls mock_webhook_sender_submit(), which copies a few strings into a
 * bounded queue under a short mutex and never waits: when the queue is full the send is
 * still accepted and the drop is counted. Everything slow happens on the sender's thread.
 */
#ifndef MOCK_WEBHOOK_SENDER_H
#define MOCK_WEBHOOK_SENDER_H

#include "mock_config.h"
#include "mock_counters.h"

#include <jansson.h>
#include <stddef.h>

typedef struct mock_webhook_sender mock_webhook_sender_t;

/* Starts the thread. NULL on failure. */
mock_webhook_sender_t *mock_webhook_sender_start(mock_config_holder_t *config,
                                                 mock_counters_t *counters, size_t queue_capacity,
                                                 size_t concurrency);

/* Stops the thread; pending webhooks are abandoned. */
void mock_webhook_sender_stop(mock_webhook_sender_t *s);

/*
 * Queues the webhooks of one accepted send. fail_code != 0 forces a failed status with that
 * code (permanent errors reported by webhook). Returns 0, or -1 when the queue was full.
 */
int mock_webhook_sender_submit(mock_webhook_sender_t *s, const char *wamid,
                               const char *phone_number_id, const char *to,
                               const char *callback_data, int fail_code);

/*
 * Queues one account change as Meta posts it (business_capability_update,
 * message_template_status_update, ...): `value` (a JSON object, borrowed) is wrapped in the
 * whatsapp_business_account envelope with waba_id and the current time, signed and POSTed
 * like any webhook, retried the same way. Returns 0, or -1 when too many are waiting.
 */
int mock_webhook_sender_announce(mock_webhook_sender_t *s, const char *field, json_t *value);

/* Drops everything queued or scheduled (POST /mock/reset). POSTs in flight finish. */
void mock_webhook_sender_reset(mock_webhook_sender_t *s);

/* Why the latest failed POST attempt failed ("" if none), for /mock/stats. */
void mock_webhook_sender_last_error(mock_webhook_sender_t *s, char *out, size_t len);

#endif
