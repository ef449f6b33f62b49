/*
 * retry_backoff.c - capped exponential backoff with "equal jitter" (see header).
 * Equal jitter keeps a floor of half the base delay so a retry never fires immediately,
 * while spreading simultaneous failures over the other half.
 */
#include "herald/retry_backoff.h"

int64_t retry_backoff_ms(int attempt, int64_t initial_ms, int64_t max_ms, uint32_t rnd)
{
    if (attempt < 1)
        attempt = 1;
    if (initial_ms < 1)
        initial_ms = 1;
    if (max_ms < initial_ms)
        max_ms = initial_ms;
    int64_t base = initial_ms;
    for (int i = 1; i < attempt && base < max_ms; i++)
        base *= 2;
    if (base > max_ms)
        base = max_ms;
    int64_t half = base / 2;
    int64_t span = base - half;
    return half + (int64_t)(rnd % (uint64_t)(span + 1));
}
