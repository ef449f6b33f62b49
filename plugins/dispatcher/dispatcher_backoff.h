/*
 * dispatcher_backoff.h - exponential backoff with jitter for retried sends.
 *
 * Why jitter: after a 5xx burst every failed request would otherwise come back at the same
 * instant and hit the API together again.
 */
#ifndef HERALD_DISPATCHER_BACKOFF_H
#define HERALD_DISPATCHER_BACKOFF_H

#include <stdint.h>

/* Delay before attempt `attempt + 1` after `attempt` failed (attempt >= 1): a uniform draw in
 * [d/2, d] with d = min(max_ms, initial_ms * 2^(attempt-1)). `rnd` is a uniform value in
 * [0, 1) supplied by the caller (tests pass fixed values). */
int64_t disp_backoff_ms(int attempt, int64_t initial_ms, int64_t max_ms, double rnd);

#endif
