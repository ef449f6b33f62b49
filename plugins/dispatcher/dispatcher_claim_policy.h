/*
 * dispatcher_claim_policy.h - what to do with a job whose recipient could not be claimed.
 *
 * Why pure: this decides whether a person may get a second message after a crash. The claim
 * statement only succeeds for pending/queued recipients of a running campaign; every other
 * row state lands here, and each answer is unit-tested.
 *
 * A claim is written as claimed_by = "<stage name>#<instance>", where the instance part is
 * unique per process start. A `sending` row claimed by the same stage name but another
 * instance is a leftover of this stage's previous life (crash): its request may or may not
 * have reached the API.
 *
 * A `sending` row with this very process's claim reaches the policy only when the job is not
 * held here (a second copy of a held job is completed on arrival): the claim's COMMIT went
 * through but its answer was lost (connection cut), so the job was retried and never sent.
 * Taking it again sends it once; completing it would leave the row `sending` forever.
 */
#ifndef HERALD_DISPATCHER_CLAIM_POLICY_H
#define HERALD_DISPATCHER_CLAIM_POLICY_H

#include <stddef.h>
#include <stdint.h>

enum disp_claim_decision {
    DISP_CLAIM_SKIP = 0,           /* nothing to do: done(OK) */
    DISP_CLAIM_REPRODUCE_ACCEPTED, /* already accepted: produce its event again, done(OK) */
    DISP_CLAIM_REPRODUCE_FAILED,   /* already failed: produce its event again, done(OK) */
    DISP_CLAIM_MARK_UNCERTAIN,     /* crash leftover: mark uncertain, do not resend, done(OK) */
    DISP_CLAIM_RESEND,             /* crash leftover and resend_uncertain: take over and send */
    DISP_CLAIM_WAIT,               /* another live instance holds it: HERALD_RETRY later */
    DISP_CLAIM_NOT_FOUND,          /* no such recipient: HERALD_ERROR */
    DISP_CLAIM_RECLAIM_OWN,        /* our claim committed but its answer was lost: never sent */
    DISP_CLAIM_OPTED_OUT,          /* not sent yet, but the contact opted out since the
                                    * snapshot: mark failed, produce that event, done(OK) */
    DISP_CLAIM_RETRY,              /* claimable now (running again, opted back in): RETRY */
};

struct disp_claim_row {
    int found;
    const char *state;      /* campaign_recipients.state */
    const char *claimed_by; /* may be NULL */
    int64_t claim_age_ms;   /* now() - claimed_at, -1 when NULL */
    int campaign_running;
    int contact_opted_out; /* contacts.opted_out for the row's phone */
    /* running, but outside its send window now (campaign_send_window_open, migration 012):
     * what is not sent yet waits for the segmenter to emit it again when the window opens */
    int outside_send_window;
};

struct disp_claim_self {
    const char *stage_name; /* "dispatcher-1" */
    const char *claimer;    /* this process's claimed_by value */
    int64_t stale_claim_ms; /* a foreign claim older than this is a dead instance's */
    int resend_uncertain;
};

enum disp_claim_decision disp_claim_decide(const struct disp_claim_row *row,
                                           const struct disp_claim_self *self);

/* Writes "<stage_name>#<pid>.<start_ms>" into buf. */
void disp_claimer_id(const char *stage_name, long pid, int64_t start_ms, char *buf, size_t len);

const char *disp_claim_decision_name(enum disp_claim_decision d);

#endif
