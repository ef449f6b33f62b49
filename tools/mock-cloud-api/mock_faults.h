/*
 * Fault injection decisions for one send request, drawn from the current configuration:
 * a share of HTTP 500 (codes 131000, 1 or 2 like Meta's transient errors), a share of
 * timeouts (no answer; optionally after the send was accepted, the ambiguous case a sender
 * must not blindly retry), and the answer latency (fixed + uniform jitter).
 */
#ifndef MOCK_FAULTS_H
#define MOCK_FAULTS_H

#include "mock_config.h"

#include <stdint.h>

typedef enum {
    MOCK_FAULT_NONE,
    MOCK_FAULT_5XX,              /* answer 500 with *code */
    MOCK_FAULT_TIMEOUT,          /* hold, then close; nothing accepted */
    MOCK_FAULT_TIMEOUT_ACCEPTED, /* accept and record, then hold and close */
} mock_fault_t;

mock_fault_t mock_faults_roll(const mock_config_t *cfg, int *code);

int64_t mock_faults_latency_ms(const mock_config_t *cfg);

#endif
