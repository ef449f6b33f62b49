/*
 * log.h - JSON-lines logging for the stage host and its plugins.
 *
 * Why: every stage writes one JSON object per line on stderr (ts, level, stage, plugin, msg)
 * so that logs of four processes can be merged, grepped and parsed by tests alike. Callers
 * pass printf-style messages; extra structured fields are added with log_fields().
 */
#ifndef HERALD_LOG_H
#define HERALD_LOG_H

#include <stdarg.h>

#include "herald/plugin.h"

/* Sets the stage label and the minimum level. Safe to call again (e.g. after config load). */
void log_setup(const char *stage, herald_log_level min_level);
/* Parses "debug" | "info" | "warn" | "error"; returns -1 when unknown. */
int log_level_parse(const char *text, herald_log_level *out);
herald_log_level log_min_level(void);

/* `plugin` may be NULL (the host itself). Thread-safe; one write(2) per line. */
void log_msg(herald_log_level level, const char *plugin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_msgv(herald_log_level level, const char *plugin, const char *fmt, va_list ap);
/* Like log_msg with one extra string field and one integer field (name NULL = absent),
 * e.g. the metrics port that tests read back from the log. */
void log_fields(herald_log_level level, const char *plugin, const char *sfield, const char *svalue,
                const char *ifield, long long ivalue, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

#define LOG_DEBUG(...) log_msg(HERALD_LOG_DEBUG, NULL, __VA_ARGS__)
#define LOG_INFO(...)  log_msg(HERALD_LOG_INFO, NULL, __VA_ARGS__)
#define LOG_WARN(...)  log_msg(HERALD_LOG_WARN, NULL, __VA_ARGS__)
#define LOG_ERROR(...) log_msg(HERALD_LOG_ERROR, NULL, __VA_ARGS__)

#endif
