/*
 * campaign_lifecycle.h - which command may move a campaign from which status to which, and
 * which transition timestamp it sets.
 *
 * Why: the rules of the campaign state machine live in one table instead of being spread
 * over SQL statements, so "resume a completed campaign" is refused with the same reason
 * everywhere and the table itself is unit-tested.
 */
#ifndef HERALD_SEGMENTER_CAMPAIGN_LIFECYCLE_H
#define HERALD_SEGMENTER_CAMPAIGN_LIFECYCLE_H

#include <stddef.h>

enum campaign_status {
    CAMPAIGN_DRAFT,
    CAMPAIGN_SCHEDULED,
    CAMPAIGN_RUNNING,
    CAMPAIGN_PAUSED,
    CAMPAIGN_COMPLETED,
    CAMPAIGN_CANCELLED,
    CAMPAIGN_FAILED,
    CAMPAIGN_STATUS_COUNT
};

enum command_type {
    CMD_CREATE,
    CMD_UPDATE,
    CMD_SCHEDULE,
    CMD_START,
    CMD_PAUSE,
    CMD_RESUME,
    CMD_CANCEL,
    CMD_DUPLICATE,
    CMD_RECALCULATE, /* analytics' command; the segmenter ignores it */
    CMD_TYPE_COUNT
};

const char *campaign_status_name(enum campaign_status s);
/* -1 when `name` is not a status. */
int campaign_status_parse(const char *name);
const char *command_type_name(enum command_type t);
/* -1 when `name` is not a command type. */
int command_type_parse(const char *name);

struct lifecycle_step {
    enum campaign_status to;
    const char *timestamp_column; /* e.g. "paused_at"; NULL when none is set */
};

/* The status a command moves an existing campaign in `from` to. Returns 0, or -1 with the
 * reason ("cannot resume a completed campaign") when the transition is illegal. CMD_CREATE
 * (no existing campaign) and CMD_RECALCULATE are not transitions and always fail here;
 * CMD_DUPLICATE is allowed from every status and leaves the source unchanged. */
int lifecycle_step(enum command_type cmd, enum campaign_status from, struct lifecycle_step *step,
                   char *err, size_t errlen);

#endif
