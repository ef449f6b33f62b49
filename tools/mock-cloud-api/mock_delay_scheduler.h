/*
 * Runs callbacks at a later time on one background thread. The server uses it to answer a
 * suspended connection after the injected latency, or to close it after an injected
 * timeout, without parking an HTTP worker thread in sleep() — a 30 s timeout on a share of
 * 20,000 requests/s would otherwise exhaust any thread pool.
 */
#ifndef MOCK_DELAY_SCHEDULER_H
#define MOCK_DELAY_SCHEDULER_H

#include <stdint.h>

typedef struct mock_delay_scheduler mock_delay_scheduler_t;
typedef void (*mock_delay_fn)(void *arg);

mock_delay_scheduler_t *mock_delay_scheduler_start(void);

/* Calls fn(arg) on the scheduler thread at monotonic time due_ms (or soon after). */
void mock_delay_scheduler_add(mock_delay_scheduler_t *s, int64_t due_ms, mock_delay_fn fn,
                              void *arg);

/*
 * Fires everything still pending at once and stops the thread; later adds fire immediately
 * on the caller's thread, so the server can drain its connections before stopping.
 */
void mock_delay_scheduler_stop(mock_delay_scheduler_t *s);

/* Frees a stopped scheduler (after the last possible add). */
void mock_delay_scheduler_free(mock_delay_scheduler_t *s);

#endif
