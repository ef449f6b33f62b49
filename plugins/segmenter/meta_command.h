/*
 * meta_command.h - what the commands of Meta's announcements have in common.
 *
 * Why: `messaging_limit`, `template_status` and `waba_number` (messaging_limit_command.h,
 * template_status_command.h, waba_number_command.h) are the commands on campaign-commands that
 * belong to no campaign; each carries a command_id and the announcement's time, and each is
 * refused with a reason naming the type. One place reads those parts, pure, so the parsers
 * only read their own.
 */
#ifndef HERALD_SEGMENTER_META_COMMAND_H
#define HERALD_SEGMENTER_META_COMMAND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* 1 when `root` has "type": `type`. */
int meta_command_is(const json_t *root, const char *type);

/* A non-empty string without NUL bytes of at most max bytes, else NULL. */
const char *meta_command_string(const json_t *v, size_t max);

/* Writes "<type>: <reason>" to err; returns -1. */
int meta_command_fail(const char *type, const char *reason, char *err, size_t errlen);

/* "2026-11-28 09:20:00 UTC" for log lines. */
void meta_command_time_text(int64_t at_ms, char *out, size_t len);

/* Reads command_id (at most 200 bytes) and announced_at_ms (unix milliseconds, positive, below
 * the year 33658). Returns 0, or -1 with the reason. */
int meta_command_header(const json_t *root, const char *type, const char **command_id,
                        int64_t *announced_at_ms, char *err, size_t errlen);

#endif
