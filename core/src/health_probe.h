/*
 * health_probe.h - a background thread that checks Kafka and PostgreSQL reachability.
 *
 * Why a thread: a metadata request or a connection attempt can take a second when a service
 * is down; the main loop must not stall for that, and /healthz must not either.
 */
#ifndef HERALD_HEALTH_PROBE_H
#define HERALD_HEALTH_PROBE_H

#include "stage.h"

int health_probe_start(struct stage *s);
void health_probe_stop(void);

#endif
