/*
 * Wall-clock and monotonic milliseconds.
 *
 * Records and webhook timestamps need wall-clock time (tests compare them with their own
 * clock); limiters and schedulers need a clock that never jumps backwards. Both are tiny, so
 * they live inline here instead of being repeated in every file.
 */
#ifndef MOCK_CLOCK_H
#define MOCK_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t mock_clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Unix time in milliseconds (for records and payload timestamps). */
static inline int64_t mock_wall_ms(void)
{
    return mock_clock_ms(CLOCK_REALTIME);
}

/* Monotonic milliseconds (for rate limits, delays and retries). */
static inline int64_t mock_mono_ms(void)
{
    return mock_clock_ms(CLOCK_MONOTONIC);
}

#endif
