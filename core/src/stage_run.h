/*
 * stage_run.h - bring a stage up from its config, run it, tear it down.
 */
#ifndef HERALD_STAGE_RUN_H
#define HERALD_STAGE_RUN_H

#include "stage_config.h"

/* Exit status for main(): 0 clean stop, 1 refused start (plugin/config), 3 runtime failure. */
int stage_run(struct stage_config *cfg);

#endif
