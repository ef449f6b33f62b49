/*
 * retry_backoff.h - how long a retried attempt waits: a HERALD_RETRY'd message in the host,
 * a send the dispatcher retries after a 5xx, a timeout or a throughput error.
 *
 * Why a pure function: the schedule (exponential, capped, with jitter so that a burst of
 * failures does not retry in lock-step) is easy to get subtly wrong and must be testable.
 */
#ifndef HERALD_RETRY_BACKOFF_H
#define HERALD_RETRY_BACKOFF_H

#include <stdint.h>

/* Delay before attempt `attempt + 1` after attempt `attempt` (>= 1) failed:
 * base = min(max_ms, initial_ms * 2^(attempt-1)); result uniformly in [base/2, base].
 * `rnd` is any 32-bit random value (injected for tests). */
int64_t retry_backoff_ms(int attempt, int64_t initial_ms, int64_t max_ms, uint32_t rnd);

#endif
