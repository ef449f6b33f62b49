/*
 * dispatcher_rate_limiter.c - token bucket + sliding 1-second window + multiplicative
 * decrease / additive increase.
 *
 * Why AIMD: a throughput error means the real limit is lower than we believed (another sender
 * on the number, a downgraded tier). Halving stops the hammering at once; recovering by 10 %
 * of the target per quiet second returns to full speed in ~10 s when the limit was transient.
 */
#include "dispatcher_rate_limiter.h"

#include <stdlib.h>

#define MIN_FACTOR           0.05
#define RECOVER_STEP         0.10
#define RECOVER_QUIET_MS     1000
#define THROTTLE_DEBOUNCE_MS 200
#define WINDOW_MS            1000

double disp_bucket_rate(const struct disp_bucket *b)
{
    return b->target * b->factor;
}

/* Size the burst and the window for the current effective rate. */
static int resize(struct disp_bucket *b)
{
    double rate = disp_bucket_rate(b);
    double c = rate * 0.05;
    b->capacity = c < 1.0 ? 1.0 : c;
    if (b->tokens > b->capacity)
        b->tokens = b->capacity;
    int cap = rate >= 1.0 ? (int)rate : 0;
    if (cap > b->window_alloc) {
        int64_t *w = malloc((size_t)cap * sizeof(*w));
        if (!w)
            return -1;
        for (int i = 0; i < b->window_len; i++)
            w[i] = b->window[(b->window_head + i) % b->window_alloc];
        free(b->window);
        b->window = w;
        b->window_alloc = cap;
        b->window_head = 0;
    }
    b->window_cap = cap;
    return 0;
}

int disp_bucket_init(struct disp_bucket *b, double rate, int64_t now_ms)
{
    *b = (struct disp_bucket){0};
    b->target = rate > 0 ? rate : 0;
    b->factor = 1.0;
    b->tokens = 1.0;
    b->last_ms = now_ms;
    b->recovered_ms = now_ms;
    return resize(b);
}

void disp_bucket_free(struct disp_bucket *b)
{
    free(b->window);
    b->window = NULL;
    b->window_alloc = b->window_len = b->window_cap = 0;
}

void disp_bucket_set_rate(struct disp_bucket *b, double rate, int64_t now_ms)
{
    (void)now_ms;
    b->target = rate > 0 ? rate : 0;
    (void)resize(b); /* on out of memory the old, smaller window stays: still safe */
}

static void recover(struct disp_bucket *b, int64_t now_ms)
{
    if (b->factor >= 1.0 || now_ms - b->throttled_ms < RECOVER_QUIET_MS ||
        now_ms - b->recovered_ms < RECOVER_QUIET_MS)
        return;
    b->factor += RECOVER_STEP;
    if (b->factor > 1.0)
        b->factor = 1.0;
    b->recovered_ms = now_ms;
    (void)resize(b);
}

static void refill(struct disp_bucket *b, int64_t now_ms)
{
    recover(b, now_ms);
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * disp_bucket_rate(b) / 1000.0;
        if (b->tokens > b->capacity)
            b->tokens = b->capacity;
        b->last_ms = now_ms;
    }
}

static void expire_window(struct disp_bucket *b, int64_t now_ms)
{
    while (b->window_len > 0 && b->window[b->window_head] < now_ms - WINDOW_MS) {
        b->window_head = (b->window_head + 1) % b->window_alloc;
        b->window_len--;
    }
}

static int window_full(const struct disp_bucket *b)
{
    return b->window_cap > 0 && b->window_len >= b->window_cap;
}

int disp_bucket_take(struct disp_bucket *b, int64_t now_ms)
{
    refill(b, now_ms);
    if (b->tokens < 1.0)
        return 0;
    b->tokens -= 1.0;
    return 1;
}

void disp_bucket_refund(struct disp_bucket *b)
{
    b->tokens += 1.0;
    if (b->tokens > b->capacity)
        b->tokens = b->capacity;
}

int64_t disp_bucket_wait_ms(struct disp_bucket *b, int64_t now_ms)
{
    refill(b, now_ms);
    double rate = disp_bucket_rate(b);
    if (b->tokens >= 1.0)
        return 0;
    return rate <= 0 ? 1000 : (int64_t)((1.0 - b->tokens) * 1000.0 / rate) + 1;
}

int disp_bucket_send(struct disp_bucket *b, int64_t now_ms)
{
    expire_window(b, now_ms);
    if (window_full(b))
        return 0;
    if (b->window_alloc > 0) {
        if (b->window_len == b->window_alloc) { /* cap shrank below the log: drop oldest */
            b->window_head = (b->window_head + 1) % b->window_alloc;
            b->window_len--;
        }
        b->window[(b->window_head + b->window_len) % b->window_alloc] = now_ms;
        b->window_len++;
    }
    return 1;
}

int64_t disp_bucket_send_wait_ms(struct disp_bucket *b, int64_t now_ms)
{
    expire_window(b, now_ms);
    if (!window_full(b))
        return 0;
    return b->window[b->window_head] + WINDOW_MS - now_ms + 1;
}

void disp_bucket_throttled(struct disp_bucket *b, int64_t now_ms)
{
    if (b->throttled_ms != 0 && now_ms - b->throttled_ms < THROTTLE_DEBOUNCE_MS)
        return;
    refill(b, now_ms);
    b->throttled_ms = now_ms;
    b->recovered_ms = now_ms;
    b->factor *= 0.5;
    if (b->factor < MIN_FACTOR)
        b->factor = MIN_FACTOR;
    if (b->tokens > 0)
        b->tokens = 0;
    (void)resize(b);
}
