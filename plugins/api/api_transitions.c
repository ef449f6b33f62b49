/*
 * api_transitions.c - the request-time transition table (see the header for why).
 */
#include "api_transitions.h"

#include <string.h>

#ifdef HERALD_API_HAVE_SEGMENTER
#include "campaign_lifecycle.h"
#endif

struct transition {
    const char *command;
    const char *statuses[5];
};

static const struct transition table[] = {
    {"update", {"draft", "scheduled", "paused", NULL}},
    {"schedule", {"draft", "scheduled", NULL}},
    {"start", {"draft", "scheduled", NULL}},
    {"pause", {"running", NULL}},
    {"resume", {"paused", NULL}},
    {"cancel", {"draft", "scheduled", "running", "paused", NULL}},
};

int api_transition_allowed(const char *command, const char *status)
{
    if (!command || !status)
        return 0;
#ifdef HERALD_API_HAVE_SEGMENTER
    /* The segmenter's own state machine decides, so the API can never disagree with it. */
    int cmd = command_type_parse(command);
    int from = campaign_status_parse(status);
    struct lifecycle_step step;
    char why[128];
    if (cmd < 0 || from < 0 || cmd == CMD_CREATE || cmd == CMD_RECALCULATE)
        return 0;
    return lifecycle_step((enum command_type)cmd, (enum campaign_status)from, &step, why,
                          sizeof(why)) == 0;
#endif
    if (!strcmp(command, "duplicate"))
        return 1;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(table[i].command, command) != 0)
            continue;
        for (const char *const *s = table[i].statuses; *s; s++)
            if (!strcmp(*s, status))
                return 1;
        return 0;
    }
    return 0;
}
