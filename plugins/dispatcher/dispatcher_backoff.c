/*
 * dispatcher_backoff.c - "equal jitter" backoff: never shorter than half the exponential
 * step (so a struggling API really gets a pause), never longer than the configured maximum.
 */
#include "dispatcher_backoff.h"

int64_t disp_backoff_ms(int attempt, int64_t initial_ms, int64_t max_ms, double rnd)
{
    if (initial_ms < 1)
        initial_ms = 1;
    if (max_ms < initial_ms)
        max_ms = initial_ms;
    int64_t d = initial_ms;
    for (int i = 1; i < attempt && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    if (rnd < 0)
        rnd = 0;
    if (rnd >= 1)
        rnd = 0.999999;
    return d / 2 + (int64_t)((double)(d - d / 2) * rnd);
}
