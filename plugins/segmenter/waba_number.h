/*
 * waba_number.h - records which WABA each business phone number belongs to.
 *
 * Why: template announcements name a WABA, campaigns a phone number; with the pairs Meta's
 * webhooks reveal (`waba_number` commands, waba_number_command.h) recorded in
 * whatsapp_numbers (migrations/070_template_status_per_waba.sql), a template paused, approved or
 * disabled in one WABA leaves the campaigns of another WABA's same-named template alone. An
 * announcement older than the recorded one changes nothing (Meta redelivers and reorders).
 */
#ifndef HERALD_SEGMENTER_WABA_NUMBER_H
#define HERALD_SEGMENTER_WABA_NUMBER_H

#include "segmenter.h"
#include "waba_number_command.h"

/* Records the pair; logs a number that moved to another WABA. HERALD_RETRY when the database
 * did not answer, else HERALD_OK. */
herald_status waba_number_follow(struct segmenter *s, const struct waba_number_command *c);

#endif
