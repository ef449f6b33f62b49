/*
 * pair_rate_limiter.h - the per-recipient minimum interval (WhatsApp's pair rate limit:
 * about one message per 6 s to the same user).
 *
 * Why in the dispatcher: a campaign sends each person one message, but several campaigns
 * running together can target the same person; sending the second one too early only earns
 * a 131056. Jobs for a recipient that is not ready wait; other recipients keep flowing.
 */
#ifndef HERALD_PAIR_RATE_LIMITER_H
#define HERALD_PAIR_RATE_LIMITER_H

#include <stddef.h>
#include <stdint.h>

struct pair_limiter;

struct pair_limiter *pair_limiter_new(int64_t interval_ms);
void pair_limiter_free(struct pair_limiter *p);
/* 0 when `phone` may be messaged at now_ms, else the ms to wait. */
int64_t pair_limiter_wait_ms(struct pair_limiter *p, const char *phone, int64_t now_ms);
/* Record a send to `phone` at now_ms. Returns 0, -1 on out of memory. */
int pair_limiter_record(struct pair_limiter *p, const char *phone, int64_t now_ms);
/* The API said "too fast" for this recipient: hold it for a full interval from now. */
int pair_limiter_penalise(struct pair_limiter *p, const char *phone, int64_t now_ms);
/* The send recorded for `phone` was refused by the API (never reached the person): forget it,
 * so its retry is not held for a whole interval. */
void pair_limiter_forget(struct pair_limiter *p, const char *phone);
/* Forget entries whose interval has passed (bounds memory); returns how many remain. */
size_t pair_limiter_prune(struct pair_limiter *p, int64_t now_ms);

#endif
