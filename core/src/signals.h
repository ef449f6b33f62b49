/*
 * signals.h - SIGTERM/SIGINT turn into a flag the main loop reads.
 *
 * Why only a flag: nothing else is async-signal-safe; the loop notices within one poll
 * timeout (<= 100 ms) and runs the graceful shutdown itself.
 */
#ifndef HERALD_SIGNALS_H
#define HERALD_SIGNALS_H

void signals_install(void);
/* 1 once SIGTERM or SIGINT arrived. */
int signals_stop_requested(void);

#endif
