/*
 * dispatcher_claim_policy.c - the documented crash policy (docs/dispatcher.md, "Crash
 * safety"): a recipient left in `sending` by a dead instance is marked `uncertain` and not
 * resent, unless resend_uncertain is set; a claim held by a live instance is waited for.
 */
#include "dispatcher_claim_policy.h"

#include <stdio.h>
#include <string.h>

void disp_claimer_id(const char *stage_name, long pid, int64_t start_ms, char *buf, size_t len)
{
    snprintf(buf, len, "%s#%ld.%lld", stage_name, pid, (long long)start_ms);
}

/* claimed_by written by a previous process of this same stage name */
static int previous_life(const char *claimed_by, const struct disp_claim_self *self)
{
    size_t n = strlen(self->stage_name);
    return claimed_by && strncmp(claimed_by, self->stage_name, n) == 0 && claimed_by[n] == '#' &&
           strcmp(claimed_by, self->claimer) != 0;
}

/* resend_uncertain never resends to a contact who opted out since. */
static int may_resend(const struct disp_claim_row *row, const struct disp_claim_self *self)
{
    return self->resend_uncertain && !row->contact_opted_out;
}

static enum disp_claim_decision leftover(const struct disp_claim_row *row,
                                         const struct disp_claim_self *self)
{
    return may_resend(row, self) ? DISP_CLAIM_RESEND : DISP_CLAIM_MARK_UNCERTAIN;
}

static enum disp_claim_decision decide_sending(const struct disp_claim_row *row,
                                               const struct disp_claim_self *self)
{
    if (row->claimed_by && strcmp(row->claimed_by, self->claimer) == 0)
        return DISP_CLAIM_RECLAIM_OWN; /* committed, answer lost, never sent (see header) */
    if (!row->campaign_running)
        return DISP_CLAIM_MARK_UNCERTAIN; /* nobody will resend for a stopped campaign */
    if (previous_life(row->claimed_by, self))
        return leftover(row, self);
    if (row->claim_age_ms < 0 || row->claim_age_ms >= self->stale_claim_ms)
        return leftover(row, self);
    return DISP_CLAIM_WAIT;
}

enum disp_claim_decision disp_claim_decide(const struct disp_claim_row *row,
                                           const struct disp_claim_self *self)
{
    if (!row->found || !row->state)
        return DISP_CLAIM_NOT_FOUND;
    if (strcmp(row->state, "accepted") == 0)
        return DISP_CLAIM_REPRODUCE_ACCEPTED;
    if (strcmp(row->state, "failed") == 0)
        return DISP_CLAIM_REPRODUCE_FAILED;
    if (strcmp(row->state, "sending") == 0)
        return decide_sending(row, self);
    if (strcmp(row->state, "uncertain") == 0)
        return (may_resend(row, self) && row->campaign_running) ? DISP_CLAIM_RESEND
                                                                : DISP_CLAIM_SKIP;
    if (!row->campaign_running || row->outside_send_window)
        return DISP_CLAIM_SKIP; /* pending/queued: re-emitted on resume, or when it opens */
    /* pending/queued of a running campaign: the claim refuses a contact who opted out after
     * the snapshot; otherwise what refused it (a pause, an opt-out) is gone already */
    return row->contact_opted_out ? DISP_CLAIM_OPTED_OUT : DISP_CLAIM_RETRY;
}

const char *disp_claim_decision_name(enum disp_claim_decision d)
{
    static const char *const names[] = {
        "skip", "reproduce_accepted", "reproduce_failed", "uncertain", "resend",
        "wait", "not_found",          "reclaim_own",      "opted_out", "retry"};
    return ((size_t)d < sizeof(names) / sizeof(names[0])) ? names[d] : "unknown";
}
