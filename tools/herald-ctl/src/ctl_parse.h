/*
 * ctl_parse.h - strict parsing of the scalar arguments herald-ctl accepts: campaign and list
 * ids, rates, timeouts, and the `--at` time of `schedule`.
 *
 * Why this exists: an operator typo ("4x2", "-5", "tomorow") must be a usage error with a
 * clear reason before anything is sent to Kafka; strtol/strptime are easy to misuse, so the
 * strict versions live here once and are unit-tested.
 */
#ifndef HERALD_CTL_PARSE_H
#define HERALD_CTL_PARSE_H

#include <stddef.h>
#include <time.h>

/* A positive decimal integer (campaign or list id) with nothing after it. 0 ok, -1 bad. */
int ctl_parse_id(const char *s, long long *out);

/* A finite number > 0 (rate, timeout seconds). 0 ok, -1 bad. */
int ctl_parse_positive(const char *s, double *out);

/*
 * The `--at` argument of schedule, normalised to UTC "YYYY-MM-DDTHH:MM:SSZ" in out (>= 21
 * bytes). Accepts "2026-11-25T20:00:00Z", "2026-11-25T21:00:00+01:00", "2026-11-25 20:00"
 * (UTC), "now", and relative "+90s", "+15m", "+2h", "+1d" counted from `now`. 0 ok, -1 bad.
 */
int ctl_parse_time(const char *s, time_t now, char *out, size_t len);

#endif
