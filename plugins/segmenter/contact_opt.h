/*
 * contact_opt.h - a contact's own request to stop (or resume) campaigns, made outside WhatsApp
 * (support mail, a web form), applied by herald-ctl and the control API alike.
 *
 * Why here: the segmenter owns contacts and leaves opted-out ones out of every audience; the
 * keyword replies ("STOP") are applied by the analytics stage (migrations/056). This is the
 * manual side of the same rule, one statement for every caller: it stamps
 * contacts.opt_requested_at with now, so a keyword reply the contact sent earlier and Meta
 * delivers late cannot undo it; an opt-out adds an unknown phone as an opted-out contact (an
 * import never clears opted_out, so it stays unreachable); an opt-in never creates a contact.
 */
#ifndef HERALD_SEGMENTER_CONTACT_OPT_H
#define HERALD_SEGMENTER_CONTACT_OPT_H

#include <libpq-fe.h>
#include <stddef.h>

#define CONTACT_OPT_MAX_PHONES 1000
/* Runs of the statement when PostgreSQL aborts it to break a deadlock (see contact_opt.c). */
#define CONTACT_OPT_ATTEMPTS 3

/* CONTACT_ERASE: the person's right to erasure (migrations/011_contact_erase.sql): everything
 * Herald holds about the phone goes except an opted-out suppression entry; refused while a
 * campaign under way still has a message for it. */
enum contact_opt_request { CONTACT_OPT_OUT, CONTACT_OPT_IN, CONTACT_ERASE };

/* Applies the request to phones (as typed: normalised like an import; what cannot be
 * normalised is refused by name). Returns a result with one row per distinct phone, columns
 * (phone, result), ordered by phone: the caller PQclear()s it. NULL with a one-line reason in
 * err when the statement failed (nothing changed). A statement PostgreSQL aborts to break a
 * deadlock is run again, up to CONTACT_OPT_ATTEMPTS times in all. */
PGresult *contact_opt_apply(PGconn *pg, enum contact_opt_request what, const char *const *phones,
                            size_t n, char *err, size_t errlen);

/* True for a row result that did not happen: "refused: ...", "not a contact" or "not found". */
int contact_opt_result_failed(const char *result);

#endif
