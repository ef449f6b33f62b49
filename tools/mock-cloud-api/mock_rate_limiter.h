/*
 * The two limits the Cloud API enforces on sends:
 *  - throughput per business phone number (130429): at most `rate` sends in any sliding
 *    1-second window (for rates below 1/s: one send per 1000/rate ms). A sliding window is
 *    stricter than a token bucket (which would allow 2x the rate across a boundary), so a
 *    sender that passes this mock also passes the real limit;
 *  - pair rate limit per (phone number, recipient) (131056): at least interval_ms between
 *    two accepted sends to the same recipient. Meta lets short bursts borrow from future
 *    quota; the mock does not (documented).
 * Thread-safe; time is passed in so tests control it.
 */
#ifndef MOCK_RATE_LIMITER_H
#define MOCK_RATE_LIMITER_H

#include <stdint.h>

typedef struct mock_rate_limiter mock_rate_limiter_t;

mock_rate_limiter_t *mock_rate_limiter_new(void);
void mock_rate_limiter_free(mock_rate_limiter_t *rl);

/* Forgets all state (POST /mock/reset). */
void mock_rate_limiter_reset(mock_rate_limiter_t *rl);

/* 1 = admitted (and counted), 0 = over the limit. rate <= 0 admits everything. */
int mock_rate_limiter_admit(mock_rate_limiter_t *rl, const char *phone_number_id, double rate,
                            int64_t now_ms);

/*
 * The same with the wall clock read under the limiter's lock, so admitted sends get
 * timestamps in admission order; *admitted_ms receives it (0 when rate <= 0). Recording the
 * send with that timestamp makes the send log's 1-second windows agree exactly with the limit.
 */
int mock_rate_limiter_admit_now(mock_rate_limiter_t *rl, const char *phone_number_id, double rate,
                                int64_t *admitted_ms);

/* 1 = admitted (and remembered), 0 = same recipient too soon. interval_ms <= 0 admits. */
int mock_rate_limiter_admit_pair(mock_rate_limiter_t *rl, const char *phone_number_id,
                                 const char *to, int64_t interval_ms, int64_t now_ms);

/* 64-bit FNV-1a over NUL-separated parts; shared with the send log's duplicate detection. */
uint64_t mock_hash_parts(const char *const *parts, int n);

#endif
