/*
 * dispatcher_rate_limiter.c - token bucket + sliding 1-second window + multiplicative
 * decrease / additive increase.
 *
 * Why AIMD: a throughput error means the real limit is lower than we believed (another sender
 * on the number, a downgraded tier) or that network jitter bunched a few requests. Each report
 * (at most one per 200 ms) cuts the rate by 20 %, so a persistent lower limit is reached within
 * a second or two; after a quiet second the rate climbs back by 5 % of the target every 250 ms,
 * so one stray error costs little.
 */
#include "dispatcher_rate_limiter.h"

#include <math.h>
#include <stdlib.h>

#define MIN_FACTOR           0.05
#define RECOVER_STEP         0.05
#define RECOVER_EVERY_MS     250
#define CUT_FACTOR           0.8
#define RECOVER_QUIET_MS     1000
#define THROTTLE_DEBOUNCE_MS 200
#define WINDOW_MS            1000
/* Tokens saved while admission could not use them (a slow claim commit, a late tick): up to
 * BURST_S of traffic (default; disp_bucket_set_burst) is claimed ahead and waits, claimed, for the
 * send-time window, so a database stall shorter than that costs no send slot. The limit itself is
 * the window's. */
#define BURST_S 0.25

static int resize(struct disp_bucket *b);

double disp_bucket_rate(const struct disp_bucket *b)
{
    return b->target * b->factor * b->safety;
}

/* The window allows the limit itself minus a jitter margin of ~5 ms of traffic, at least one
 * message from 100/s up (one at 100/s and 200/s, five at 1000/s): network jitter can move a
 * send into the API's next second, and a margin of 0.5 % keeps the achieved rate within 1 % of
 * the limit (with rate_safety 0.995). The safety factor only slows the tokens, so low rates keep
 * their whole window (5/s stays 5, 80/s stays 80). */
static int window_cap_for(const struct disp_bucket *b)
{
    double x = b->target * b->factor;
    if (x < 1.0)
        return 0;
    long margin = lround(x * 0.005);
    if (margin < 1 && x >= 100.0)
        margin = 1;
    long cap = (long)floor(x + 1e-9) - margin;
    return cap < 1 ? 1 : (int)cap;
}

void disp_bucket_set_burst(struct disp_bucket *b, double seconds)
{
    b->burst_s = seconds > 0 ? seconds : BURST_S;
    (void)resize(b);
}

void disp_bucket_set_safety(struct disp_bucket *b, double safety)
{
    b->safety = safety > 0 && safety <= 1 ? safety : 1.0;
    (void)resize(b);
}

/* Size the burst and the window for the current effective rate. */
static int resize(struct disp_bucket *b)
{
    double rate = disp_bucket_rate(b);
    double c = rate * b->burst_s;
    b->capacity = c < 2.0 ? 2.0 : c; /* >= 2: a late tick must not round a token away */
    if (b->tokens > b->capacity)
        b->tokens = b->capacity;
    int cap = window_cap_for(b);
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
    b->safety = 1.0;
    b->tokens = 1.0;
    b->burst_s = BURST_S;
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
        now_ms - b->recovered_ms < RECOVER_EVERY_MS)
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

/* Pacing (GCRA, "virtual scheduling"): each send moves the theoretical time of the next one
 * by 1/rate, and a send may leave at most pace_slack_ms() ahead of it. Why not the 1-second
 * window alone: a window reopens exactly as the sends of one second earlier age out, so a
 * bunch (the first claims, a stall of the database) repeats second after second, and a few
 * ms of network jitter then moves a whole bunch into the API's next window. Pacing spreads
 * them out again; the slack absorbs a late pump (the loop runs every few ms) without losing
 * sends. Time lost beyond the slack is lost, as the API's own window would count it. */
#define PACE_SLACK_MS 20.0

static double pace_interval_ms(const struct disp_bucket *b)
{
    double rate = disp_bucket_rate(b);
    return rate > 0 ? 1000.0 / rate : 0;
}

static double pace_slack_ms(const struct disp_bucket *b)
{
    double interval = pace_interval_ms(b);
    return interval > PACE_SLACK_MS ? interval : PACE_SLACK_MS;
}

static int paced_out(const struct disp_bucket *b, int64_t now_ms)
{
    return pace_interval_ms(b) > 0 && (double)now_ms < b->tat_ms - pace_slack_ms(b);
}

int disp_bucket_send(struct disp_bucket *b, int64_t now_ms)
{
    expire_window(b, now_ms);
    if (window_full(b) || paced_out(b, now_ms))
        return 0;
    double interval = pace_interval_ms(b);
    if (interval > 0)
        b->tat_ms = (b->tat_ms > (double)now_ms ? b->tat_ms : (double)now_ms) + interval;
    if (b->window_alloc > 0) {
        if (b->window_len == b->window_alloc) { /* cap shrank below the log: drop oldest */
            b->window_head = (b->window_head + 1) % b->window_alloc;
            b->window_len--;
        }
        b->window[(b->window_head + b->window_len) % b->window_alloc] = now_ms;
        b->window_len++;
        if (b->window_len > b->window_peak)
            b->window_peak = b->window_len;
    }
    return 1;
}

int64_t disp_bucket_send_wait_ms(struct disp_bucket *b, int64_t now_ms)
{
    expire_window(b, now_ms);
    int64_t wait = 0;
    if (paced_out(b, now_ms)) /* wake when half the slack is due: a few sends per wake-up */
        wait = (int64_t)ceil(b->tat_ms - pace_slack_ms(b) / 2 - (double)now_ms);
    if (window_full(b) && b->window[b->window_head] + WINDOW_MS - now_ms + 1 > wait)
        wait = b->window[b->window_head] + WINDOW_MS - now_ms + 1;
    return wait;
}

void disp_bucket_throttled(struct disp_bucket *b, int64_t now_ms)
{
    if (b->throttled_ms != 0 && now_ms - b->throttled_ms < THROTTLE_DEBOUNCE_MS)
        return;
    refill(b, now_ms);
    b->throttled_ms = now_ms;
    b->recovered_ms = now_ms;
    b->factor *= CUT_FACTOR;
    if (b->factor < MIN_FACTOR)
        b->factor = MIN_FACTOR;
    if (b->tokens > 0)
        b->tokens = 0;
    (void)resize(b);
}
