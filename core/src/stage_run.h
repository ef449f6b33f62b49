/*
 * stage_run.h - bring a stage up from its config, run it, tear it down.
 */
#ifndef HERALD_STAGE_RUN_H
#define HERALD_STAGE_RUN_H

#include "stage_config.h"

/* Exit status for main(): 0 clean stop, 1 refused to start (config, plugin, Kafka client,
 * metrics port, cb_init), 3 stopped by a fatal runtime error. */
int stage_run(struct stage_config *cfg);

#endif
