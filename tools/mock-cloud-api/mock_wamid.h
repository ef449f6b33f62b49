/*
 * Message ids that look like Meta's: "wamid." + base64 of a small binary frame holding the
 * recipient and an 18-hex-digit id. Uniqueness comes from a per-process random nonce plus a
 * counter, so ids never repeat within a run and very unlikely across runs.
 */
#ifndef MOCK_WAMID_H
#define MOCK_WAMID_H

#include <stddef.h>
#include <stdint.h>

#define MOCK_WAMID_MAX 96

/* Writes the wamid for (recipient digits, nonce, counter) into out[MOCK_WAMID_MAX]. */
void mock_wamid_format(char out[MOCK_WAMID_MAX], const char *wa_id, uint32_t nonce,
                       uint64_t counter);

#endif
