/*
 * analytics_command.h - the one `campaign-commands` type analytics handles: `recalculate`.
 *
 * Why: the segmenter and analytics consume the same topic in their own consumer groups; each
 * handles its own types and ignores the rest without writing anything. Malformed commands of
 * other types are the segmenter's to reject, so anything that is not clearly a recalculate is
 * ignored here.
 */
#ifndef HERALD_ANALYTICS_COMMAND_H
#define HERALD_ANALYTICS_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#define ANALYTICS_COMMAND_ID_MAX 256

typedef enum analytics_command_kind {
    ANALYTICS_CMD_IGNORE = 0,      /* not ours (or not even JSON): complete without writing */
    ANALYTICS_CMD_RECALCULATE = 1, /* handle it; campaign_id 0 is recorded as rejected */
    ANALYTICS_CMD_MALFORMED = 2,   /* a recalculate without a usable command_id: error */
} analytics_command_kind;

struct analytics_command {
    char command_id[ANALYTICS_COMMAND_ID_MAX];
    int64_t campaign_id; /* 0 = missing or not a positive integer */
};

analytics_command_kind analytics_command_parse(const char *json, size_t len,
                                               struct analytics_command *cmd, char *err,
                                               size_t errlen);

#endif
