/*
 * emission_window.h - how many jobs of a campaign may wait in Kafka ahead of the dispatchers.
 *
 * Why: a million-recipient campaign must not be dumped into `jobs` at once, or a pause would
 * leave a million messages to skip. The segmenter keeps at most `window` recipients in state
 * `queued` per campaign: a few seconds of the campaign's rate, never below a floor (so slow
 * campaigns still pipeline) and never above a hard cap.
 */
#ifndef HERALD_SEGMENTER_EMISSION_WINDOW_H
#define HERALD_SEGMENTER_EMISSION_WINDOW_H

#include <stdint.h>

struct emission_config {
    double lookahead_seconds; /* seconds of rate kept queued */
    int64_t lookahead_min;    /* floor of the window */
    int64_t lookahead_max;    /* hard cap of the window */
    double default_rate;      /* msg/s when the campaign has no rate cap */
    int64_t batch_max;        /* most recipients queued in one emission step */
};

/* The window for a campaign whose cap is `campaign_rate` (<= 0: none, use default_rate). */
int64_t emission_window(const struct emission_config *cfg, double campaign_rate);

/* How many more recipients to queue now, given `queued` already waiting. */
int64_t emission_budget(const struct emission_config *cfg, double campaign_rate, int64_t queued);

#endif
