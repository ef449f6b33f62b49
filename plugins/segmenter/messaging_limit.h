/*
 * messaging_limit.h - Meta's messaging limit: at most N people contacted in any moving 24 hours.
 *
 * Why: the limit belongs to the business portfolio, so every campaign, number and segmenter
 * instance draws on one budget; Meta documents no error for exceeding it, and a campaign that
 * runs into it loses messages or the portfolio's quality rating. So the segmenter emits a job
 * for a person not contacted in the last 24 hours only while there is room, in recipient
 * order, and the rest of the campaign waits, pending, until earlier contacts age out of the
 * window (migrations/015_messaging_limit.sql). A person contacted in the window costs nothing.
 * The limit is one value in the database for every instance (herald-ctl messaging-limit --set),
 * read at every emission step; none by default, and then a step costs one primary-key read.
 */
#ifndef HERALD_SEGMENTER_MESSAGING_LIMIT_H
#define HERALD_SEGMENTER_MESSAGING_LIMIT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "messaging_limit_command.h"
#include "segmenter.h"

/* Inside the emission step's transaction: *room = -1 when no limit is set. Else waits for
 * other instances' steps (a transaction lock, so their stamps are committed before this one
 * counts) and sets *room to how many people not contacted in 24 h the step may take (>= 0).
 * Logs when the limit changes and when it starts or stops holding campaigns back. Returns 0, or
 * -1 with the server's message in err. */
int messaging_limit_room(struct segmenter *s, PGconn *conn, long long *room, char *err,
                         size_t errlen);

/* A limit Meta announced (messaging_limit_command.h): recorded, and set when the segmenter's
 * follow_meta_messaging_limit is on, unless an announcement at least as new was recorded before
 * (webhooks come late and twice). Logs what it did. Returns HERALD_RETRY when the database did
 * not answer, else HERALD_OK. */
herald_status messaging_limit_follow(struct segmenter *s, const struct messaging_limit_command *c);

/* Deletes the contacts that have left the 24-hour window (they are not counted any more). */
void messaging_limit_prune(struct segmenter *s);

#endif
