/*
 * stage_loop.h - the main loop and the graceful drain that follows it.
 */
#ifndef HERALD_STAGE_LOOP_H
#define HERALD_STAGE_LOOP_H

#include "stage.h"

/* Runs until SIGTERM/SIGINT (or a fatal error), then drains. Returns 0 on a clean stop. */
int stage_loop_run(struct stage *s);
/* Keeps applying delivery reports, storing offsets and ticking plugins (no new input) while
 * busy(s, opaque) is true, for at most max_ms. Used before a revoke so that work in flight
 * can still be committed by this process instead of being redone by the next owner. */
void stage_loop_settle(struct stage *s, int (*busy)(struct stage *, void *), void *opaque,
                       int64_t max_ms);

#endif
