/*
 * ctl_live_display.h - puts rendered progress on stdout: redrawn in place (two lines, ANSI
 * cursor moves) on a terminal, appended as plain lines (only when something changed)
 * otherwise.
 *
 * Why this exists: the terminal handling (is it a TTY, how wide, how to erase what was drawn)
 * is the only impure part of `watch` output; keeping it apart leaves ctl_progress_bar pure.
 */
#ifndef HERALD_CTL_LIVE_DISPLAY_H
#define HERALD_CTL_LIVE_DISPLAY_H

#include "ctl_progress_bar.h"

#include <stdbool.h>

struct ctl_live_display {
    bool tty;
    bool json;  /* a JSON object per change, one per line, TTY or not (watch --json) */
    bool drawn; /* two lines on screen to overwrite */
    char last_plain[512];
};

void ctl_live_display_init(struct ctl_live_display *d);

/* Draws p (in place on a TTY; a new line when changed otherwise). */
void ctl_live_display_show(struct ctl_live_display *d, const struct ctl_progress *p);

/* Leaves the cursor on a fresh line after the last drawing. */
void ctl_live_display_finish(struct ctl_live_display *d);

#endif
