/*
 * send_window.h - a campaign's daily sending hours ("send_window"), checked and written in one
 * canonical form.
 *
 * Why: marketing messages at 3 a.m. cost a business its customers (and, in some countries, a
 * fine). A campaign can name the local hours it may send in: {"from": "09:00", "to": "20:00",
 * "time_zone": "Europe/Berlin"}; "from" later than "to" spans midnight (22:00-06:00). The
 * segmenter emits jobs only inside the window (migrations/012_send_window.sql has the SQL
 * test, campaign_send_window_open); the segmenter and the control API validate the object with
 * this one function, so both refuse the same things with the same words. Whether the time zone
 * exists is PostgreSQL's to say (its tz database), checked when the command is applied.
 */
#ifndef HERALD_SEGMENTER_SEND_WINDOW_H
#define HERALD_SEGMENTER_SEND_WINDOW_H

#include <jansson.h>
#include <stddef.h>

#define SEND_WINDOW_JSON_MAX 128

/* Checks `w` (an object: "from" and "to" as "HH:MM", "time_zone" optional, default "UTC") and
 * writes its canonical compact JSON to out (SEND_WINDOW_JSON_MAX bytes). Returns 0, or -1 with
 * a reason that starts with the offending field ("send_window.from: ..."). */
int send_window_normalize(const json_t *w, char *out, size_t outlen, char *err, size_t errlen);

#endif
