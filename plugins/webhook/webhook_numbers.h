/*
 * webhook_numbers.h - which (phone number, WABA) pairs the gateway has passed on, and when.
 *
 * Why: every status and message webhook says which WABA its business number belongs to, and
 * the segmenter needs that to keep one WABA's template announcements away from another WABA's
 * campaigns (migrations/070_template_status_per_waba.sql). Passing it on with every webhook
 * would be thousands of commands a second for one fact. So a pair is due the first time, again
 * after `every_ms`, and at once when the number shows up under another WABA; a pair whose
 * command Kafka did not take (the webhook is answered 503 and redelivered) is forgotten, so the
 * redelivery passes it on again. Bounded: past `capacity` pairs everything is forgotten and announced
 * afresh. Thread-safe (libmicrohttpd's workers share one).
 */
#ifndef HERALD_WEBHOOK_NUMBERS_H
#define HERALD_WEBHOOK_NUMBERS_H

#include <stddef.h>
#include <stdint.h>

struct webhook_numbers;

/* NULL when out of memory. Free with webhook_numbers_free. */
struct webhook_numbers *webhook_numbers_new(size_t capacity, int64_t every_ms);
void webhook_numbers_free(struct webhook_numbers *numbers);

/* 1 when the pair is to be passed on now (and counts as passed on at now_ms), else 0. */
int webhook_numbers_due(struct webhook_numbers *numbers, const char *phone_number_id,
                        const char *waba_id, int64_t now_ms);

/* The pair was not passed on after all (its produce failed): due again at once. Nothing happens
 * when the number has since been passed on under another WABA. */
void webhook_numbers_forget(struct webhook_numbers *numbers, const char *phone_number_id,
                            const char *waba_id);

#endif
