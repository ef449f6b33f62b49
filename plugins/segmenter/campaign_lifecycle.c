/*
 * campaign_lifecycle.c - the campaign state machine as one table (see header for why).
 *
 *   draft --schedule--> scheduled --(due / start)--> running <--pause/resume--> paused
 *   draft/scheduled --start--> running --(all recipients final)--> completed
 *   draft/scheduled/running/paused --cancel--> cancelled
 */
#include "campaign_lifecycle.h"

#include <stdio.h>
#include <string.h>

#define BIT(s) (1u << (s))

static const char *const STATUS_NAMES[CAMPAIGN_STATUS_COUNT] = {
    "draft", "scheduled", "running", "paused", "completed", "cancelled", "failed",
};

static const char *const COMMAND_NAMES[CMD_TYPE_COUNT] = {
    "create", "update", "schedule",  "start",       "pause",
    "resume", "cancel", "duplicate", "recalculate",
};

struct transition {
    enum command_type cmd;
    unsigned from; /* BIT(status) of every status the command accepts */
    int keep;      /* 1: status unchanged (update, duplicate) */
    enum campaign_status to;
    const char *timestamp_column;
};

static const struct transition TRANSITIONS[] = {
    {CMD_UPDATE, BIT(CAMPAIGN_DRAFT) | BIT(CAMPAIGN_SCHEDULED), 1, CAMPAIGN_DRAFT, NULL},
    {CMD_SCHEDULE, BIT(CAMPAIGN_DRAFT) | BIT(CAMPAIGN_SCHEDULED), 0, CAMPAIGN_SCHEDULED,
     "scheduled_set_at"},
    {CMD_START, BIT(CAMPAIGN_DRAFT) | BIT(CAMPAIGN_SCHEDULED), 0, CAMPAIGN_RUNNING, "started_at"},
    {CMD_PAUSE, BIT(CAMPAIGN_RUNNING), 0, CAMPAIGN_PAUSED, "paused_at"},
    {CMD_RESUME, BIT(CAMPAIGN_PAUSED), 0, CAMPAIGN_RUNNING, "resumed_at"},
    {CMD_CANCEL,
     BIT(CAMPAIGN_DRAFT) | BIT(CAMPAIGN_SCHEDULED) | BIT(CAMPAIGN_RUNNING) | BIT(CAMPAIGN_PAUSED),
     0, CAMPAIGN_CANCELLED, "cancelled_at"},
    {CMD_DUPLICATE, 0x7fu, 1, CAMPAIGN_DRAFT, NULL},
};

const char *campaign_status_name(enum campaign_status s)
{
    return (unsigned)s < CAMPAIGN_STATUS_COUNT ? STATUS_NAMES[s] : "unknown";
}

int campaign_status_parse(const char *name)
{
    for (int i = 0; name && i < CAMPAIGN_STATUS_COUNT; i++)
        if (strcmp(STATUS_NAMES[i], name) == 0)
            return i;
    return -1;
}

const char *command_type_name(enum command_type t)
{
    return (unsigned)t < CMD_TYPE_COUNT ? COMMAND_NAMES[t] : "unknown";
}

int command_type_parse(const char *name)
{
    for (int i = 0; name && i < CMD_TYPE_COUNT; i++)
        if (strcmp(COMMAND_NAMES[i], name) == 0)
            return i;
    return -1;
}

int lifecycle_step(enum command_type cmd, enum campaign_status from, struct lifecycle_step *step,
                   char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(TRANSITIONS) / sizeof(TRANSITIONS[0]); i++) {
        const struct transition *t = &TRANSITIONS[i];
        if (t->cmd != cmd)
            continue;
        if ((unsigned)from >= CAMPAIGN_STATUS_COUNT || !(t->from & BIT(from))) {
            snprintf(err, errlen, "cannot %s a %s campaign", command_type_name(cmd),
                     campaign_status_name(from));
            return -1;
        }
        step->to = t->keep ? from : t->to;
        step->timestamp_column = t->timestamp_column;
        return 0;
    }
    snprintf(err, errlen, "'%s' is not a transition of an existing campaign",
             command_type_name(cmd));
    return -1;
}
