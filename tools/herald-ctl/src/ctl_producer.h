/*
 * ctl_producer.h - posts one command to the campaign-commands topic and waits until Kafka
 * has it (idempotent producer, acks=all, delivery report awaited).
 *
 * Why this exists: herald-ctl is a producer like the control API (docs/herald-ctl.md). An
 * operator must know whether the command reached the broker; if every broker is down the
 * tool says so within a second or two instead of hanging until the message times out.
 */
#ifndef HERALD_CTL_PRODUCER_H
#define HERALD_CTL_PRODUCER_H

#include "ctl_config.h"

#include <stddef.h>

/*
 * Produces payload with key to <prefix>campaign-commands. Returns 0 once the delivery report
 * says it was stored, -1 with a one-line reason in err (broker unreachable, timeout,
 * rejected by the broker).
 */
int ctl_produce_command(const struct ctl_config *cfg, const char *key, const char *payload,
                        int timeout_ms, char *err, size_t errlen);

#endif
