/*
 * command_parse.c - shape checks of campaign commands (see header for why).
 */
#include "command_parse.h"

#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *reason)
{
    snprintf(err, errlen, "%s", reason);
    return -1;
}

static json_int_t positive_id(const json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
}

/* Reads the fields shared by every type; keeps what it can for the record. */
static int parse_header(struct campaign_command *cmd, char *err, size_t errlen)
{
    const json_t *id = json_object_get(cmd->root, "command_id");
    const char *s = json_string_value(id);
    if (!s || !*s || strlen(s) != json_string_length(id) || strlen(s) > COMMAND_ID_MAX)
        return fail(err, errlen, "command_id must be a non-empty string of at most 200 bytes");
    cmd->command_id = s;
    cmd->campaign_id = positive_id(json_object_get(cmd->root, "campaign_id"));
    const json_t *type = json_object_get(cmd->root, "type");
    cmd->type_name = json_string_value(type);
    if (!cmd->type_name)
        return fail(err, errlen, "type must be a string");
    cmd->type = command_type_parse(cmd->type_name);
    if (cmd->type < 0) {
        snprintf(err, errlen, "unknown command type '%.64s'", cmd->type_name);
        return -1;
    }
    if (!cmd->campaign_id)
        return fail(err, errlen, "campaign_id must be a positive integer");
    return 0;
}

/* ISO 8601 date-time with a time zone; PostgreSQL does the full parse. */
static int plausible_time(const char *s)
{
    size_t n = strlen(s);
    if (n < 16 || n > 40 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' '))
        return 0;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789-T :.Z+", *p))
            return 0;
    return s[n - 1] == 'Z' || strchr(s + 11, '+') || strchr(s + 11, '-');
}

static int parse_body(struct campaign_command *cmd, char *err, size_t errlen)
{
    switch (cmd->type) {
    case CMD_CREATE:
    case CMD_UPDATE:
        cmd->campaign = json_object_get(cmd->root, "campaign");
        if (!json_is_object(cmd->campaign))
            return fail(err, errlen, "'campaign' object is required");
        return 0;
    case CMD_SCHEDULE:
        cmd->at = json_string_value(json_object_get(cmd->root, "at"));
        if (!cmd->at || !plausible_time(cmd->at))
            return fail(err, errlen,
                        "'at' must be an ISO 8601 time with zone, e.g. 2026-11-25T20:00:00Z");
        return 0;
    case CMD_DUPLICATE:
        cmd->new_campaign_id = positive_id(json_object_get(cmd->root, "new_campaign_id"));
        if (!cmd->new_campaign_id)
            return fail(err, errlen, "'new_campaign_id' must be a positive integer");
        if (cmd->new_campaign_id == cmd->campaign_id)
            return fail(err, errlen, "'new_campaign_id' must differ from campaign_id");
        return 0;
    default:
        return 0;
    }
}

int command_parse(const char *payload, size_t len, struct campaign_command *cmd, char *err,
                  size_t errlen)
{
    memset(cmd, 0, sizeof(*cmd));
    cmd->type = -1;
    json_error_t jerr;
    cmd->root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!cmd->root) {
        snprintf(err, errlen, "not valid JSON: %s at line %d column %d", jerr.text, jerr.line,
                 jerr.column);
        return -1;
    }
    if (!json_is_object(cmd->root)) {
        json_decref(cmd->root);
        cmd->root = NULL;
        return fail(err, errlen, "command must be a JSON object");
    }
    if (parse_header(cmd, err, errlen) != 0)
        return -1;
    return parse_body(cmd, err, errlen);
}

void command_free(struct campaign_command *cmd)
{
    json_decref(cmd->root);
    memset(cmd, 0, sizeof(*cmd));
    cmd->type = -1;
}
