/*
 * The record of every accepted send, so tests can assert exactly-once delivery and the
 * achieved rate from the receiving side:
 *  - records (wamid, phone_number_id, to, template, language, params, callback data, ts_ms)
 *    kept in memory up to max_records (millions; beyond that they are counted, not stored);
 *  - duplicates per (phone_number_id, to, biz_opaque_callback_data);
 *  - per phone number: accepted count, the largest number of sends in any sliding 1-second
 *    window, and a per-second histogram of the last hour.
 * Records are stored in fixed chunks that never move, so readers of GET /mock/sends do not
 * block the send path for long. Thread-safe.
 */
#ifndef MOCK_SEND_LOG_H
#define MOCK_SEND_LOG_H

#include "mock_payload.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mock_send_log mock_send_log_t;

mock_send_log_t *mock_send_log_new(size_t max_records);
void mock_send_log_free(mock_send_log_t *log);

/* Clears records, duplicates and per-number statistics. */
void mock_send_log_reset(mock_send_log_t *log);

/*
 * Records an accepted send at ts_ms (wall clock; <= 0 = now, read under the lock so the
 * 1-second windows see timestamps in order). Returns how many times the
 * (phone_number_id, to, callback data) key has now been seen (1 = first time).
 */
uint64_t mock_send_log_add(mock_send_log_t *log, const char *wamid, const char *phone_number_id,
                           const mock_send_request_t *req, int64_t ts_ms);

/* JSON array text of records with seq >= since, at most limit. malloc'd, caller frees. */
char *mock_send_log_dump(mock_send_log_t *log, uint64_t since, size_t limit, size_t *len);

/* Adds "records", "duplicate_sends", "duplicate_keys" and "phone_numbers" to obj. */
void mock_send_log_stats(mock_send_log_t *log, json_t *obj);

/* Totals for /metrics. */
void mock_send_log_totals(mock_send_log_t *log, uint64_t *stored, uint64_t *not_stored,
                          uint64_t *duplicates);

#endif
