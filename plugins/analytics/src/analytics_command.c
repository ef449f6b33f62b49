/*
 * analytics_command.c - recognise `recalculate` commands (see the header).
 */
#include "analytics_command.h"

#include "analytics_json.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static analytics_command_kind classify(const json_t *root, struct analytics_command *cmd, char *err,
                                       size_t errlen)
{
    const json_t *type = json_object_get(root, "type");
    if (!json_is_string(type) || strcmp(json_string_value(type), "recalculate") != 0)
        return ANALYTICS_CMD_IGNORE;
    if (analytics_json_ident(root, "command_id", cmd->command_id, sizeof cmd->command_id) !=
        ANALYTICS_FIELD_OK) {
        snprintf(err, errlen, "recalculate: command_id must be a non-empty string under 256 bytes");
        return ANALYTICS_CMD_MALFORMED;
    }
    if (analytics_json_id(root, "campaign_id", &cmd->campaign_id) != ANALYTICS_FIELD_OK)
        cmd->campaign_id = 0;
    return ANALYTICS_CMD_RECALCULATE;
}

analytics_command_kind analytics_command_parse(const char *json, size_t len,
                                               struct analytics_command *cmd, char *err,
                                               size_t errlen)
{
    memset(cmd, 0, sizeof *cmd);
    json_t *root = json_loadb(json, len, 0, NULL);
    if (!root)
        return ANALYTICS_CMD_IGNORE;
    analytics_command_kind kind =
        json_is_object(root) ? classify(root, cmd, err, errlen) : ANALYTICS_CMD_IGNORE;
    json_decref(root);
    return kind;
}
