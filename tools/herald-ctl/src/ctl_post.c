/*
 * ctl_post.c - produce a command and wait for its outcome; see ctl_post.h.
 */
#include "ctl_post.h"

#include "ctl_parse.h"

#include "ctl_command_id.h"
#include "ctl_db.h"
#include "ctl_outcome.h"
#include "ctl_producer.h"

#include <stdio.h>
#include <stdlib.h>

int ctl_require_campaign(struct ctl_ctx *ctx, long long campaign_id, char *status_out,
                         size_t status_len)
{
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    char id[32], err[600];
    snprintf(id, sizeof(id), "%lld", campaign_id);
    const char *params[] = {id};
    PGresult *res;
    if (ctl_db_query(pg, "SELECT status FROM campaigns WHERE id = $1", 1, params, &res, err,
                     sizeof(err)) != CTL_DB_OK) {
        ctl_errorf("%s", err);
        return CTL_EXIT_INFRA;
    }
    int found = PQntuples(res) > 0;
    if (found && status_out)
        snprintf(status_out, status_len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!found) {
        ctl_errorf("campaign %lld not found", campaign_id);
        return CTL_EXIT_FAIL;
    }
    return CTL_EXIT_OK;
}

int ctl_existing_campaign_arg(struct ctl_ctx *ctx, const char *arg, long long *id)
{
    if (ctl_parse_id(arg, id) != 0) {
        ctl_errorf("'%s' is not a campaign id (a positive integer)", arg);
        return CTL_EXIT_FAIL;
    }
    return ctl_require_campaign(ctx, *id, NULL, 0);
}

int ctl_allocate_campaign_id(struct ctl_ctx *ctx, long long *id)
{
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    char err[600];
    PGresult *res;
    if (ctl_db_query(pg, "SELECT nextval('campaign_ids')", 0, NULL, &res, err, sizeof(err)) !=
        CTL_DB_OK) {
        ctl_errorf("cannot allocate a campaign id: %s", err);
        return CTL_EXIT_INFRA;
    }
    *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return CTL_EXIT_OK;
}

static char *command_json(const char *command_id, const char *type, long long campaign_id,
                          json_t *fields)
{
    json_t *cmd = json_pack("{s:s, s:s, s:I}", "command_id", command_id, "type", type,
                            "campaign_id", (json_int_t)campaign_id);
    if (!cmd)
        return NULL;
    if (fields)
        json_object_update(cmd, fields);
    char *text = json_dumps(cmd, JSON_COMPACT);
    json_decref(cmd);
    return text;
}

static int report(struct ctl_ctx *ctx, const struct ctl_outcome *o, const char *note)
{
    if (!o->accepted) {
        fprintf(stderr, "rejected: %s\n", *o->reason ? o->reason : "(no reason given)");
        return CTL_EXIT_FAIL;
    }
    if (!ctx->quiet && note)
        printf("accepted: %s\n", note);
    else if (!ctx->quiet)
        printf("accepted\n");
    return CTL_EXIT_OK;
}

static int wait_and_report(struct ctl_ctx *ctx, const char *command_id, const char *handler,
                           const char *note)
{
    struct ctl_outcome o;
    char err[600];
    switch (ctl_outcome_wait(ctx->pg, command_id, ctx->timeout_s, &o, err, sizeof(err))) {
    case CTL_OUTCOME_FOUND:
        return report(ctx, &o, note);
    case CTL_OUTCOME_TIMEOUT:
        ctl_errorf("no outcome for command %s within %.0f s: is the %s stage running? (the "
                   "command stays on campaign-commands; check later with `herald-ctl command "
                   "%s`)",
                   command_id, ctx->timeout_s, handler, command_id);
        return CTL_EXIT_INFRA;
    default:
        ctl_errorf("%s", err);
        return CTL_EXIT_INFRA;
    }
}

int ctl_post_command(struct ctl_ctx *ctx, long long campaign_id, const char *type, json_t *fields,
                     const char *handler, const char *note)
{
    if (!ctl_ctx_pg(ctx))
        return CTL_EXIT_INFRA;
    char command_id[CTL_COMMAND_ID_LEN], key[32], err[600];
    if (ctl_command_id_new(command_id, sizeof(command_id)) != 0) {
        ctl_errorf("no randomness available for a command id");
        return CTL_EXIT_INFRA;
    }
    char *payload = command_json(command_id, type, campaign_id, fields);
    if (!payload) {
        ctl_errorf("out of memory building the command");
        return CTL_EXIT_INFRA;
    }
    snprintf(key, sizeof(key), "%lld", campaign_id);
    /* at least 1 s: message.timeout.ms = 0 would mean "forever" to librdkafka */
    int kafka_ms = ctx->timeout_s < 1.0 ? 1000 : (int)(ctx->timeout_s * 1000.0);
    int rc = ctl_produce_command(&ctx->cfg, key, payload, kafka_ms, err, sizeof(err));
    free(payload);
    if (rc != 0) {
        ctl_errorf("%s", err);
        return CTL_EXIT_INFRA;
    }
    if (ctx->no_wait) {
        if (!ctx->quiet)
            printf("posted: command %s\n", command_id);
        return CTL_EXIT_OK;
    }
    return wait_and_report(ctx, command_id, handler, note);
}
