/*
 * api_transitions.h - which campaign commands make sense in which campaign status.
 *
 * Why: the segmenter is the authority (it rejects illegal commands in command_results), but
 * a caller deserves a 409 at request time for what is already known to be impossible, e.g.
 * pausing a completed campaign. The API checks the status in PostgreSQL against this table.
 *
 *   update    draft, scheduled, paused        schedule  draft, scheduled
 *   start     draft, scheduled                 pause     running
 *   resume    paused                           cancel    draft, scheduled, running, paused
 *   duplicate any status
 * When the segmenter's library is linked (HERALD_API_HAVE_SEGMENTER) its lifecycle table
 * (campaign_lifecycle.h) is used instead of this copy.
 */
#ifndef HERALD_API_TRANSITIONS_H
#define HERALD_API_TRANSITIONS_H

/* 1 when `command` ("update", "start", ...) is allowed in `status`; 0 otherwise (also for
 * unknown commands or statuses). */
int api_transition_allowed(const char *command, const char *status);

#endif
