/*
 * stage_loop.h - the main loop and the graceful drain that follows it.
 */
#ifndef HERALD_STAGE_LOOP_H
#define HERALD_STAGE_LOOP_H

#include "stage.h"

/* Runs until SIGTERM/SIGINT (or a fatal error), then drains. Returns 0 on a clean stop. */
int stage_loop_run(struct stage *s);

#endif
