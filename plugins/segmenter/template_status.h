/*
 * template_status.h - campaigns paused, resumed or failed on what Meta says of their template.
 *
 * Why: a campaign on a template Meta paused for low quality only collects 132015 answers until
 * Meta approves the template again (3 hours the first time, 6 the second), and one on a
 * template Meta disabled or deleted can never be sent. With
 * follow_meta_template_status on (the default) the segmenter pauses the running campaigns on a
 * paused template, resumes exactly those when it is approved again (not one somebody paused by
 * hand; the dispatcher marks a campaign it paused on a 132015 answer the same way), and fails
 * the campaigns still waiting on a template gone for good, with a reason each
 * (migrations/019_template_status.sql). An announcement older than the last one for the
 * template changes nothing. A WABA's announcement leaves alone the campaigns whose number is
 * known to belong to another WABA (migrations/070, waba_number.h).
 */
#ifndef HERALD_SEGMENTER_TEMPLATE_STATUS_H
#define HERALD_SEGMENTER_TEMPLATE_STATUS_H

#include "segmenter.h"
#include "template_status_command.h"

/* Applies (or, with follow_meta_template_status off, records) one announcement and logs what
 * it did to which campaign. HERALD_RETRY when the database did not answer, else HERALD_OK. */
herald_status template_status_follow(struct segmenter *s, const struct template_status_command *c);

#endif
