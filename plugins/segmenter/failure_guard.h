/*
 * failure_guard.h - pause a running campaign whose messages mostly fail.
 *
 * Why: every failed message to a number that is not on WhatsApp, or with parameters the
 * template does not take, counts against the business number's quality rating, which the whole
 * portfolio shares; a campaign built on a stale list keeps doing that for its whole audience.
 * With pause_above_failure_rate set (or a campaign's own max_failure_rate), the segmenter
 * pauses a running campaign once at least failure_guard_min_settled of its messages settled
 * since the counting point (accepted or failed, as the analytics stage counts them, webhook
 * failures included) and more than that share of them failed, with a status_reason that says
 * so. The counting point (migrations/017) is the campaign's start, its last resume, and moves
 * on every failure_guard_window settled messages, so a surge late in a long campaign is not
 * diluted by what went well before it, and a resumed campaign is watched again from the
 * resume, not paused again for the failures it was paused for. Off by default.
 */
#ifndef HERALD_SEGMENTER_FAILURE_GUARD_H
#define HERALD_SEGMENTER_FAILURE_GUARD_H

#include "segmenter.h"

/* One statement over every running campaign; logs each campaign it paused. */
void failure_guard_tick(struct segmenter *s);

#endif
