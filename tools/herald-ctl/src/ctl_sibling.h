/*
 * ctl_sibling.h - runs another Herald binary installed next to herald-ctl (build/bin), e.g.
 * the segmenter's `herald-contacts`, with the connection settings herald-ctl resolved.
 *
 * Why this exists: contact import is the segmenter's code (COPY-speed CSV validation); herald-ctl
 * wraps it instead of duplicating it, and hands over the resolved conninfo through
 * HERALD_PG_CONNINFO so `--config` and the environment mean the same for both tools.
 */
#ifndef HERALD_CTL_SIBLING_H
#define HERALD_CTL_SIBLING_H

#include "ctl_ctx.h"

/* Finds <dir of /proc/self/exe>/<name> (or <name> on PATH). 0 ok, -1 when not found. */
int ctl_sibling_path(const char *name, char *out, size_t len);

/* Runs argv (argv[0] = program path) and waits. Returns its exit status (0..255), or 2 after
 * printing why it could not run or was killed. */
int ctl_sibling_run(struct ctl_ctx *ctx, char *const argv[]);

#endif
