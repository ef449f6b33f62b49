/*
 * stage_run.h - bring a stage up from its config, run it, tear it down.
 */
#ifndef HERALD_STAGE_RUN_H
#define HERALD_STAGE_RUN_H

#include "stage_config.h"

/* Exit status for main(): 0 clean stop, 1 refused to start (config, plugin, Kafka client,
 * metrics port, cb_init), 3 stopped by a fatal runtime error. */
int stage_run(struct stage_config *cfg);
/* `--dry-run`: everything startup checks before it touches the outside world (every plugin
 * loaded and its options parsed, Kafka properties, metrics address, PostgreSQL conninfo
 * syntax); prints what the stage would run and exits. Connects to nothing, runs no cb_init
 * (so secrets a plugin reads from the environment at init are not checked). 0 OK, 1 refused. */
int stage_dry_run(struct stage_config *cfg);

#endif
