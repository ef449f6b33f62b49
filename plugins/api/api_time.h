/*
 * api_time.h - parses the RFC 3339 instants clients send ("at" of a schedule command), and
 * the deadline a pthread_cond_timedwait of the API's threads waits until.
 *
 * Why: the schedule time travels to the segmenter as text; validating and normalising it to
 * UTC ("2026-11-25T20:00:00Z") here gives the caller a 400 that names the field instead of a
 * later rejection, and every consumer sees one format.
 */
#ifndef HERALD_API_TIME_H
#define HERALD_API_TIME_H

#include <stdint.h>
#include <time.h>

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" (T or space, z accepted). Returns 0 and the
 * instant in unix seconds, -1 when malformed or out of range. */
int api_time_parse_rfc3339(const char *s, int64_t *unix_seconds);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" for unix_seconds into out (at least 21 bytes). */
void api_time_format_utc(int64_t unix_seconds, char out[21]);

/* CLOCK_REALTIME now + ms, the absolute time pthread_cond_timedwait expects. */
struct timespec api_time_deadline_after(int64_t ms);

#endif
