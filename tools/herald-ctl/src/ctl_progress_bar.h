/*
 * ctl_progress_bar.h - renders a campaign's progress as text: the two-line live bar that
 * `herald-ctl watch` redraws in place on a terminal, and the one-line key=value form it
 * prints when stdout is a pipe or a file.
 *
 * Why this exists: rendering is pure string work that must be exact (fixed width, no line
 * longer than the terminal, sane output for an unknown audience size or a zero rate), so it
 * lives apart from the polling loop and is unit-tested. No I/O, no terminal escapes here.
 *
 * The bar is stacked: '#' read, '=' delivered (not yet read), '-' sent/accepted (not yet
 * delivered), 'x' failed, ' ' still to do. Counts are the funnel figures of the
 * campaign_progress view (a read message is also delivered, sent and accepted).
 */
#ifndef HERALD_CTL_PROGRESS_BAR_H
#define HERALD_CTL_PROGRESS_BAR_H

#include <stddef.h>

struct ctl_progress {
    long long campaign_id;
    const char *status; /* "running", ...; NULL shown as "?" */
    long long audience; /* <= 0: unknown (no snapshot yet) */
    long long pending;  /* < 0: unknown */
    long long accepted, sent, delivered, read, failed, replied;
    double rate;        /* messages per second; <= 0 unknown */
    double eta_seconds; /* < 0 unknown */
    /* While a running campaign waits for its send window: when it opens, as an RFC 3339 UTC
     * instant and as local time with its zone ("Sat 09:00 Europe/Berlin"); NULL when
     * it is not waiting. */
    const char *window_opens_utc;
    const char *window_opens_local;
    /* While Meta's messaging limit holds its pending recipients back (docs/segmenter.md): when
     * the next person may go, RFC 3339 UTC; NULL otherwise. */
    const char *limit_next_utc;
    /* Why a paused campaign was paused when the system did it (the failure guard); NULL or ""
     * otherwise. */
    const char *paused_because;
};

/* Recipients no longer waiting to be sent, clamped to [0, audience]. */
long long ctl_progress_done(const struct ctl_progress *p);

/* Fills buf with exactly `width` characters ("[" + cells + "]"), width >= 3. Returns the
 * number of characters written (0 if the buffer is too small). */
size_t ctl_progress_bar(const struct ctl_progress *p, int width, char *buf, size_t len);

/* Two lines for a terminal `term_width` columns wide, neither longer than term_width. */
void ctl_progress_lines(const struct ctl_progress *p, int term_width, char *line1, char *line2,
                        size_t len);

/* One line "campaign=42 status=running audience=... eta=2m17s" for non-terminals, plus
 * " window_opens=<utc>" while it waits for its send window. */
void ctl_progress_plain(const struct ctl_progress *p, char *buf, size_t len);

/* One compact JSON object (watch --json, a line each): campaign_id, status, audience, done,
 * accepted, sent, delivered, read, failed, replied, rate_per_second (one decimal),
 * eta_seconds, send_window_opens_at (null unless it waits for its send window); unknown
 * values are null. Returns 0, or -1 when buf is too small. */
int ctl_progress_json(const struct ctl_progress *p, char *buf, size_t len);

#endif
