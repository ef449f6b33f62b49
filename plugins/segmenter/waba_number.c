/*
 * waba_number.c - which WABA each business number belongs to (see the header).
 */
#include "waba_number.h"

#include <stdio.h>
#include <string.h>

herald_status waba_number_follow(struct segmenter *s, const struct waba_number_command *c)
{
    char at[24];
    snprintf(at, sizeof(at), "%lld", (long long)c->announced_at_ms);
    const char *params[] = {c->phone_number_id, c->waba_id, at};
    PGresult *res;
    herald_status st = segmenter_announcement_exec(
        s, c->command_id, WABA_NUMBER_COMMAND,
        "SELECT phone_number_announced($1, $2, to_timestamp($3::bigint / 1000.0))", 3, params,
        &res);
    if (res && PQntuples(res) == 1) {
        const char *outcome = PQgetvalue(res, 0, 0);
        s->api->counter_add(s->commands_accepted, 1);
        if (strcmp(outcome, "moved") == 0)
            s->api->log(s->host, HERALD_LOG_INFO,
                        "phone number %s now belongs to WABA %s (Meta's webhooks)",
                        c->phone_number_id, c->waba_id);
        else if (strcmp(outcome, "recorded") == 0)
            s->api->log(s->host, HERALD_LOG_DEBUG, "phone number %s belongs to WABA %s",
                        c->phone_number_id, c->waba_id);
    }
    PQclear(res);
    return st;
}
