/*
 * cmd_contacts_show.c - `herald-ctl contacts show PHONE`: one person as Herald sees them, the
 * support question "did this person get our message, and why (not)?" in one command.
 *
 * Parts: the contact (opted out? since when? by which request?), its lists, and its campaign
 * messages, newest campaign first (outcome, attempts, wamid, when accepted, delivered, read and
 * answered, whether the answer was STOP, failure code and title; at most 50), and its replies
 * (newest 20, with the campaign they were attributed to). A phone that received campaign
 * messages but is no contact any more still shows them.
 * --json: {"contact": {...} or null, "lists": [...], "messages": [...], "replies": [...]}.
 * Exit 1 (nothing on stdout) when the phone is neither a contact nor a recipient of any campaign.
 */
#include "ctl_result_json.h"
#include "ctl_show.h"
#include "ctl_subcommands.h"

#include <stdio.h>

#ifdef HERALD_CTL_HAVE_SEGMENTER_LOGIC
#include "phone_number.h"
#endif

static const char contact_sql[] = "SELECT id, phone, name, to_jsonb(tags) AS tags, attributes, "
                                  "opted_out, opted_out_at, opt_requested_at, erased_at, "
                                  "created_at, updated_at FROM contacts WHERE phone = $1";

static const char lists_sql[] =
    "SELECT l.id, l.name FROM contacts c JOIN contact_list_members m ON m.contact_id = c.id "
    "JOIN contact_lists l ON l.id = m.list_id WHERE c.phone = $1 ORDER BY l.id";

/* Through the outcomes view (migration 058): what the dispatcher did and what Meta's webhooks
 * and the person's replies said since. */
static const char messages_sql[] =
    "SELECT o.campaign_id, c.name AS campaign, c.status AS campaign_status, o.outcome, "
    "o.attempts, o.wamid, o.accepted_at, o.delivered_at, o.read_at, o.replied_at, o.opted_out, "
    "o.error_code, o.error_title FROM campaign_recipient_outcomes o "
    "JOIN campaigns c ON c.id = o.campaign_id WHERE o.phone = $1 "
    "ORDER BY o.campaign_id DESC LIMIT 50";

/* What they wrote back (view reply_messages, migration 058), attributed to a campaign or not. */
static const char replies_sql[] =
    "SELECT received_at, campaign_id, coalesce(body, '[' || type || ']') AS text, opt, "
    "attribution FROM reply_messages WHERE phone = $1 ORDER BY received_at DESC, wamid DESC "
    "LIMIT 20";

/* The phone as contacts spell it: normalised like an import when the segmenter's library is
 * in the build, else as typed. */
static void normalise(const char *typed, char *out, size_t len)
{
#ifdef HERALD_CTL_HAVE_SEGMENTER_LOGIC
    char digits[PHONE_BUF_SIZE];
    typed = phone_lookup_form(typed, digits, sizeof(digits));
#endif
    snprintf(out, len, "%s", typed);
}

static const char known_sql[] = "SELECT EXISTS (SELECT 1 FROM contacts WHERE phone = $1) "
                                "OR EXISTS (SELECT 1 FROM campaign_recipients WHERE phone = $1)";

/* 1 when the phone is a contact or a recipient, 0 when not, -1 after printing the error. */
static int known(PGconn *pg, const char *phone)
{
    const char *params[] = {phone};
    PGresult *res;
    char err[600];
    if (ctl_db_query(pg, known_sql, 1, params, &res, err, sizeof(err)) != CTL_DB_OK) {
        ctl_errorf("contacts show: %s", err);
        return -1;
    }
    int yes = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!yes)
        ctl_errorf("%s is neither a contact nor a recipient of any campaign", phone);
    return yes;
}

static enum ctl_db_status show_parts(struct ctl_show *o, PGconn *pg, const char *phone, char *err,
                                     size_t errlen)
{
    if (!o->doc)
        printf("Contact %s\n", phone);
    enum ctl_db_status st = ctl_show_part(o, "contact", pg, contact_sql, phone, 1, NULL,
                                          "not a contact (any more)", NULL, err, errlen);
    if (st == CTL_DB_OK) {
        if (!o->doc)
            printf("\nLists\n");
        st = ctl_show_part(o, "lists", pg, lists_sql, phone, 0, NULL, "in no list", NULL, err,
                           errlen);
    }
    if (st == CTL_DB_OK) {
        if (!o->doc)
            printf("\nCampaign messages (newest campaign first)\n");
        st = ctl_show_part(o, "messages", pg, messages_sql, phone, 0, NULL,
                           "no campaign message yet", NULL, err, errlen);
    }
    if (st == CTL_DB_OK) {
        if (!o->doc)
            printf("\nReplies (newest first)\n");
        st = ctl_show_part(o, "replies", pg, replies_sql, phone, 0, NULL, "no reply", NULL, err,
                           errlen);
    }
    return st;
}

int ctl_cmd_contacts_show(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    char phone[64];
    normalise(opts->positional[0], phone, sizeof(phone));
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    int k = known(pg, phone);
    if (k <= 0)
        return k < 0 ? CTL_EXIT_INFRA : CTL_EXIT_FAIL;
    struct ctl_show o = {NULL};
    if (ctl_opts_count(opts, "json") &&
        !(o.doc = json_pack("{s:n, s:n, s:n, s:n}", "contact", "lists", "messages", "replies")))
        return CTL_EXIT_FAIL;
    char err[600];
    enum ctl_db_status st = show_parts(&o, pg, phone, err, sizeof(err));
    if (st != CTL_DB_OK) {
        ctl_errorf("contacts show: %s%s", err,
                   st == CTL_DB_MISSING ? " (migrations not applied: herald-stage --migrate)" : "");
        json_decref(o.doc);
        return st == CTL_DB_MISSING ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
    }
    if (o.doc)
        return ctl_print_json(o.doc, stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
    return CTL_EXIT_OK;
}
