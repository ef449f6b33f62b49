/*
 * template_status.c - campaigns follow what Meta says of their template (see the header).
 */
#include "template_status.h"

#include <stdio.h>
#include <string.h>

#include "meta_command.h"

static void log_campaign(struct segmenter *s, const struct template_status_command *c,
                         const char *action, const char *campaign_id, const char *when)
{
    if (strcmp(action, "paused") == 0) {
        s->api->counter_add(s->template_paused, 1);
        s->api->log(s->host, HERALD_LOG_WARN,
                    "campaign %s paused: template %s (%s) paused by Meta at %s; it resumes when "
                    "Meta approves the template again",
                    campaign_id, c->name, c->language, when);
    } else if (strcmp(action, "resumed") == 0) {
        s->api->counter_add(s->template_resumed, 1);
        s->api->log(s->host, HERALD_LOG_INFO,
                    "campaign %s resumed: template %s (%s) approved again by Meta at %s",
                    campaign_id, c->name, c->language, when);
    } else {
        s->api->counter_add(s->template_failed, 1);
        s->api->log(s->host, HERALD_LOG_ERROR,
                    "ALERT campaign %s failed: template %s (%s) %s by Meta at %s", campaign_id,
                    c->name, c->language, c->event, when);
    }
}

static void log_outcome(struct segmenter *s, const struct template_status_command *c, PGresult *res,
                        const char *when)
{
    int n = PQntuples(res);
    const char *first = n ? PQgetvalue(res, 0, 0) : "";
    if (strcmp(first, "stale") == 0) {
        s->api->counter_add(s->commands_duplicate, 1);
        s->api->log(s->host, HERALD_LOG_INFO,
                    "template %s (%s): Meta's %s of %s ignored: a newer announcement was already "
                    "applied",
                    c->name, c->language, c->event, when);
        return;
    }
    s->api->counter_add(s->commands_accepted, 1);
    if (strcmp(c->event, "FLAGGED") == 0) {
        /* Nothing to change yet, but the last moment to act: Meta pauses a template whose
         * quality stays low, and disables it the third time. */
        s->api->counter_add(s->template_flagged, 1);
        s->api->log(s->host, HERALD_LOG_WARN,
                    "template %s (%s) flagged by Meta at %s (%s): its quality is low; Meta pauses "
                    "it if that goes on, and its campaigns with it (herald-ctl templates)",
                    c->name, c->language, when, c->reason ? c->reason : "no reason given");
        return;
    }
    if (n == 0 || strcmp(first, "recorded") == 0) {
        const char *note = "";
        if (n == 0)
            note = "; no campaign to change";
        else if (!s->follow_meta_template_status)
            note = "; follow_meta_template_status is off";
        s->api->log(s->host, HERALD_LOG_INFO, "template %s (%s) is %s (Meta, %s)%s", c->name,
                    c->language, c->event, when, note);
        return;
    }
    for (int i = 0; i < n; i++)
        log_campaign(s, c, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), when);
}

herald_status template_status_follow(struct segmenter *s, const struct template_status_command *c)
{
    char at[24], when[40];
    snprintf(at, sizeof(at), "%lld", (long long)c->announced_at_ms);
    const char *params[] = {c->name,   c->language, c->event,
                            c->reason, at,          s->follow_meta_template_status ? "t" : "f",
                            c->waba_id};
    PGresult *res;
    herald_status st = segmenter_announcement_exec(
        s, c->command_id, TEMPLATE_STATUS_COMMAND,
        "SELECT a.action, a.campaign_id::text FROM template_status_announced($1, $2, $3, $4, "
        "to_timestamp($5::bigint / 1000.0), $6::boolean, $7) a",
        7, params, &res);
    if (res) {
        meta_command_time_text(c->announced_at_ms, when, sizeof(when));
        log_outcome(s, c, res, when);
    }
    PQclear(res);
    return st;
}
