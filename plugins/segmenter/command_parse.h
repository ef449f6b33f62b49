/*
 * command_parse.h - a message of `campaign-commands` parsed and checked for shape.
 *
 * Why: every malformed command must end as a `rejected` row with a reason an operator can
 * read, never as a crash or a blocked partition. Parsing is pure (no database) so every
 * rejection reason is unit-tested; whether the campaign exists and whether the transition is
 * legal is decided later, against PostgreSQL.
 */
#ifndef HERALD_SEGMENTER_COMMAND_PARSE_H
#define HERALD_SEGMENTER_COMMAND_PARSE_H

#include <jansson.h>
#include <stddef.h>

#include "campaign_lifecycle.h"

#define COMMAND_ID_MAX 200

struct campaign_command {
    json_t *root;               /* owned; NULL when the payload was not a JSON object */
    const char *command_id;     /* NULL when missing or invalid */
    const char *type_name;      /* as received, NULL when missing */
    int type;                   /* enum command_type, -1 when unknown */
    json_int_t campaign_id;     /* 0 when missing or invalid */
    const json_t *campaign;     /* create / update */
    const char *at;             /* schedule: ISO 8601 time */
    json_int_t new_campaign_id; /* duplicate */
};

/* Parses `payload` (len bytes). Returns 0 when the command is well formed, -1 with a reason
 * otherwise; in both cases `cmd` holds whatever could be read (command id, type, campaign id)
 * for the record. Always release with command_free(). */
int command_parse(const char *payload, size_t len, struct campaign_command *cmd, char *err,
                  size_t errlen);
void command_free(struct campaign_command *cmd);

#endif
