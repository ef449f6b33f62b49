/*
 * fuzz_command_parse.c - libFuzzer harness for the segmenter's command parser
 * (plugins/segmenter/command_parse.c) and, for create/update, the campaign definition parser
 * behind it (campaign_definition.c: template parameters and the audience compiler), and the
 * `messaging_limit`, `template_status` and `waba_number` commands the webhook gateway produces
 * (messaging_limit_command.c, template_status_command.c, waba_number_command.c).
 *
 * Any producer on `campaign-commands` (the control API, herald-ctl, a stray tool) reaches this
 * code; a malformed command must become a rejection with a readable reason, never a crash that
 * blocks the partition. Checks: a failure always carries a reason; a success has the fields
 * its type needs.
 */
#include <stdint.h>
#include <string.h>

#include "campaign_definition.h"
#include "command_parse.h"
#include "fuzz_check.h"
#include "messaging_limit_command.h"
#include "template_status_command.h"
#include "waba_number_command.h"

static void check_definition(const struct campaign_command *cmd)
{
    struct campaign_fields f;
    char err[512] = "";
    memset(&f, 0, sizeof f);
    int for_create = cmd->type == CMD_CREATE;
    if (campaign_fields_parse(cmd->campaign, for_create, &f, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != '\0');
    } else if (for_create) {
        FUZZ_CHECK(f.name && f.phone_number_id && f.template_name);
    }
    campaign_fields_free(&f);
}

static void check_messaging_limit(const json_t *root)
{
    struct messaging_limit_command c;
    char err[256] = "";
    if (messaging_limit_command_parse(root, &c, err, sizeof err) != 0)
        FUZZ_CHECK(err[0] != '\0');
    else
        FUZZ_CHECK(c.command_id && c.source && c.waba_id && c.people >= 0 && c.announced_at_ms > 0);
}

static void check_template_status(const json_t *root)
{
    struct template_status_command c;
    char err[256] = "";
    if (template_status_command_parse(root, &c, err, sizeof err) != 0)
        FUZZ_CHECK(err[0] != '\0');
    else
        FUZZ_CHECK(c.command_id && c.name && c.language && c.event && c.announced_at_ms > 0);
}

static void check_waba_number(const json_t *root)
{
    struct waba_number_command c;
    char err[256] = "";
    if (waba_number_command_parse(root, &c, err, sizeof err) != 0)
        FUZZ_CHECK(err[0] != '\0');
    else
        FUZZ_CHECK(c.command_id && c.phone_number_id && c.waba_id && c.announced_at_ms > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct campaign_command cmd;
    char err[512] = "";
    int rc = command_parse((const char *)data, size, &cmd, err, sizeof err);
    if (cmd.root && messaging_limit_command_is(cmd.root)) { /* the segmenter's own branches */
        check_messaging_limit(cmd.root);
        command_free(&cmd);
        return 0;
    }
    if (cmd.root && template_status_command_is(cmd.root)) {
        check_template_status(cmd.root);
        command_free(&cmd);
        return 0;
    }
    if (cmd.root && waba_number_command_is(cmd.root)) {
        check_waba_number(cmd.root);
        command_free(&cmd);
        return 0;
    }
    if (rc != 0) {
        FUZZ_CHECK(err[0] != '\0');
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
    } else {
        FUZZ_CHECK(cmd.root && cmd.command_id && cmd.type >= 0 && cmd.campaign_id > 0);
        if (cmd.type == CMD_CREATE || cmd.type == CMD_UPDATE)
            check_definition(&cmd);
        if (cmd.type == CMD_SCHEDULE)
            FUZZ_CHECK(cmd.at != NULL);
        if (cmd.type == CMD_DUPLICATE)
            FUZZ_CHECK(cmd.new_campaign_id > 0 && cmd.new_campaign_id != cmd.campaign_id);
    }
    command_free(&cmd);
    return 0;
}
