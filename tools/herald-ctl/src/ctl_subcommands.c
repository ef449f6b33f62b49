/*
 * ctl_subcommands.c - the subcommand table, lookup, parsing and help; see ctl_subcommands.h.
 */
#include "ctl_subcommands.h"

#include "ctl_campaign_spec.h"

#include <string.h>

const struct ctl_opt_spec ctl_common_opts[] = {
    {"config", 'c', CTL_OPT_VALUE, "FILE",
     "stage config file (default config/segmenter.conf, else /etc/herald/segmenter.conf); "
     "HERALD_* env wins"},
    {"timeout", 't', CTL_OPT_VALUE, "SECONDS",
     "how long to wait for Kafka and for the outcome (default 15)"},
    {"no-wait", 0, CTL_OPT_FLAG, NULL,
     "return once Kafka has the command; do not wait for the outcome"},
    {"quiet", 'q', CTL_OPT_FLAG, NULL,
     "print only the essential value (a new campaign id; the ids of a list)"},
    {"help", 'h', CTL_OPT_FLAG, NULL, "show this help"},
    {NULL, 0, 0, NULL, NULL},
};

/* Read commands print tables; --json prints the same rows as one document (ctl_result_json.h). */
#define JSON_OPT                                                                                   \
    {                                                                                              \
        "json", 'J', CTL_OPT_FLAG, NULL,                                                           \
            "print one JSON document with typed values (for jq and scripts) instead of tables"     \
    }

static const struct ctl_opt_spec json_opts[] = {
    JSON_OPT,
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec import_opts[] = {
    {"list", 'l', CTL_OPT_VALUE, "NAME",
     "add the imported contacts to this list (required; created if new)"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec phones_opts[] = {
    JSON_OPT,
    {"file", 'f', CTL_OPT_VALUE, "FILE",
     "phones one per line (- = stdin; a contacts export CSV works too), with any PHONE given"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec export_opts[] = {
    {"list", 'l', CTL_OPT_VALUE, "NAME", "only the contacts of this list (default: all)"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec preview_opts[] = {
    {"audience", 'a', CTL_OPT_VALUE, "JSON|@FILE", "audience object (docs/segments.md)"},
    {"sample", 0, CTL_OPT_VALUE, "N", "how many matching contacts to show (default 10)"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec schedule_opts[] = {
    {"at", 0, CTL_OPT_VALUE, "TIME",
     "when to start: 2026-11-25T20:00:00Z, 2026-11-25T21:00:00+01:00, now, +15m, +2h"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec watch_opts[] = {
    {"interval", 0, CTL_OPT_VALUE, "SECONDS",
     "seconds between refreshes (default 0.25 on a terminal, 1 otherwise)"},
    {"once", 0, CTL_OPT_FLAG, NULL, "print the progress once and exit"},
    {"json", 'J', CTL_OPT_FLAG, NULL, "a JSON object per change, one per line (NDJSON)"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec list_opts[] = {
    {"status", 's', CTL_OPT_VALUE, "STATUS", "only campaigns with this status"},
    {"limit", 'n', CTL_OPT_VALUE, "N", "at most N campaigns, newest first (default 50)"},
    JSON_OPT,
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec recipients_opts[] = {
    {"outcome", 'o', CTL_OPT_VALUE, "LIST",
     "only recipients with these outcomes, comma-separated (e.g. failed or read,delivered)"},
    {"json", 'J', CTL_OPT_FLAG, NULL, "one JSON object per recipient and line (NDJSON), not CSV"},
    {NULL, 0, 0, NULL, NULL},
};

static const struct ctl_opt_spec messaging_limit_opts[] = {
    {"set", 0, CTL_OPT_VALUE, "N", "set the limit to N people per 24 h (0 = no limit)"},
    JSON_OPT,
    {NULL, 0, 0, NULL, NULL},
};

static const char messaging_limit_details[] =
    "Meta lets a business portfolio message at most N people in any moving 24 hours (250, 2000,\n"
    "10000, 100000, unlimited: WhatsApp Manager shows it). With N set, the segmenters send to a\n"
    "person not contacted in the last 24 h only while the count leaves room, in recipient\n"
    "order; the rest of a campaign waits, pending, and goes on as earlier contacts age out.\n"
    "Someone contacted in that time costs nothing more. Prints the limit, the people contacted\n"
    "in the last 24 h, the room left and, when there is none, when the next one may go (UTC).\n"
    "Turning it on counts whom campaigns reached in the last 24 h. A new limit Meta announces\n"
    "by webhook is set by the segmenters themselves (meta_announced shows the last one).\n"
    "Example:\n"
    "  herald-ctl messaging-limit --set 2000\n";

static const char templates_details[] =
    "What Meta last said of each message template by webhook (message_template_status_update):\n"
    "PAUSED for low quality (3 hours the first time, 6 the second), APPROVED again, DISABLED,\n"
    "REJECTED, ..., when, and how many paused campaigns wait for its approval. The segmenters\n"
    "pause the campaigns on a paused template, resume them on its approval and fail them when\n"
    "it is gone for good (follow_meta_template_status).\n";

static const struct ctl_opt_spec replies_opts[] = {
    {"limit", 'n', CTL_OPT_VALUE, "N", "at most N replies, newest first (default 50)"},
    JSON_OPT,
    {NULL, 0, 0, NULL, NULL},
};

static const char recipients_details[] =
    "Streams every recipient in the audience snapshot's order, with the furthest step reached\n"
    "(outcome: pending, queued, sending, uncertain, accepted, sent, delivered, read, failed),\n"
    "the step times (UTC), the failure code and title, the replies and whether one was STOP.\n"
    "CSV with a header row by default. Examples:\n"
    "  herald-ctl campaign recipients 42 > campaign-42.csv\n"
    "  herald-ctl campaign recipients 42 --outcome failed --json | jq -r .phone\n";

static const char create_details[] =
    "Allocates the campaign id (nextval('campaign_ids')), posts a `create` command and prints\n"
    "the id. Example:\n"
    "  herald-ctl campaign create --name 'Spring sale' --phone-number-id 1098765 \\\n"
    "      --template spring_sale --param name --param attributes.discount --list 1 \\\n"
    "      --rule '{\"attr\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"}' --rate 80\n";

#define LIFECYCLE(word, fn, what)                                                                  \
    {                                                                                              \
        word, "ID", 1, 1, NULL, what, NULL, fn                                                     \
    }

const struct ctl_subcommand ctl_subcommands[] = {
    {"contacts import", "FILE.csv", 1, 1, import_opts,
     "import contacts from CSV; prints accepted/rejected rows with reasons",
     "Columns: phone (E.164 digits), name, tags (';'-separated), any other column becomes an\n"
     "attribute. Rows with an invalid phone are rejected with their line number and reason.\n",
     ctl_cmd_contacts_import},
    {"contacts export", "", 0, 0, export_opts,
     "the contacts as CSV in the format contacts import reads",
     "Columns: phone, name, tags (';'-separated), opted_out, then one column per attribute key,\n"
     "in contact id order; `contacts import` reads the file back unchanged. Example:\n"
     "  herald-ctl contacts export --list spring > spring.csv\n",
     ctl_cmd_contacts_export},
    {"contacts show", "PHONE", 1, 1, json_opts,
     "one person: opted out or not, lists, campaign messages",
     "The support question \"did they get it, and why not?\": the contact, its lists, and its\n"
     "campaign messages, newest campaign first (outcome, wamid, when accepted, delivered, read\n"
     "and answered, failure code and title).\n"
     "Exit 1 when the phone is neither a contact nor a recipient of any campaign.\n",
     ctl_cmd_contacts_show},
    {"contacts opt-out", "[PHONE...]", 0, 1000, phones_opts,
     "stop campaigns to these phones (new ones are added, opted out)",
     "For a request made outside WhatsApp; a reply \"STOP\" does this by itself (analytics,\n"
     "opt_out_keywords). Later audiences leave the contact out, and so does the rest of a "
     "campaign\n"
     "under way; messages already sent stay sent.\n"
     "Prints each phone's result; exit 1 when a phone was refused (the others are done).\n",
     ctl_cmd_contacts_opt_out},
    {"contacts opt-in", "[PHONE...]", 0, 1000, phones_opts,
     "let campaigns reach these contacts again (undoes an opt-out)",
     "Only for a contact who asked for it. Exit 1 when a phone was refused or is not a\n"
     "contact (the others are done).\n",
     ctl_cmd_contacts_opt_in},
    {"contacts erase", "[PHONE...]", 0, 1000, phones_opts,
     "erase what Herald holds about these people (keeps them opted out)",
     "A person's request to be forgotten. Their contact keeps only the phone, opted out, so no\n"
     "import or audience reaches them again; names, attributes, tags, lists, template\n"
     "parameters, reply texts and profile names go, and campaign messages keep no phone\n"
     "(counters stay). Refused while a running or paused campaign still has a message for the\n"
     "phone. Messages still in Kafka topics last until their retention. Exit 1 when a phone\n"
     "was refused or not found (the others are done).\n",
     ctl_cmd_contacts_erase},
    {"lists", "", 0, 0, json_opts, "show contact lists with their member counts", NULL,
     ctl_cmd_lists},
    {"segment preview", "", 0, 0, preview_opts,
     "count and sample of the contacts an audience selects", NULL, ctl_cmd_segment_preview},
    {"campaign create", "", 0, 0, ctl_campaign_spec_opts, "define a new campaign (status draft)",
     create_details, ctl_cmd_campaign_create},
    {"campaign update", "ID", 1, 1, ctl_campaign_spec_opts,
     "change fields of a draft/scheduled campaign", NULL, ctl_cmd_campaign_update},
    {"campaign list", "", 0, 0, list_opts, "campaigns with status and headline numbers", NULL,
     ctl_cmd_campaign_list},
    {"campaign show", "ID", 1, 1, json_opts, "a campaign's definition and analytics", NULL,
     ctl_cmd_campaign_show},
    {"campaign recipients", "ID", 1, 1, recipients_opts,
     "every recipient with its outcome, as CSV or NDJSON", recipients_details,
     ctl_cmd_campaign_recipients},
    {"campaign replies", "ID", 1, 1, replies_opts,
     "what people answered to the campaign, newest first",
     "Time, phone, profile name, the text (or [type] for media), opt (out/in when it was a\n"
     "STOP/START keyword) and how it was attributed (context: it quotes the campaign message;\n"
     "window: the 72-hour window).\n",
     ctl_cmd_campaign_replies},
    {"schedule", "ID", 1, 1, schedule_opts, "start the campaign at a given time", NULL,
     ctl_cmd_schedule},
    LIFECYCLE("start", ctl_cmd_start, "start sending now (snapshots the audience)"),
    LIFECYCLE("pause", ctl_cmd_pause, "stop sending; nobody is skipped or repeated on resume"),
    LIFECYCLE("resume", ctl_cmd_resume, "continue a paused campaign"),
    LIFECYCLE("cancel", ctl_cmd_cancel, "stop the campaign for good"),
    LIFECYCLE("duplicate", ctl_cmd_duplicate,
              "copy a campaign into a new draft; prints the new id"),
    LIFECYCLE("recalculate", ctl_cmd_recalculate, "rebuild the campaign's analytics counters"),
    {"watch", "ID", 1, 1, watch_opts,
     "live progress bar until the campaign ends (plain lines if not a TTY)", NULL, ctl_cmd_watch},
    {"command", "COMMAND_ID", 1, 1, json_opts, "show the outcome of a posted command", NULL,
     ctl_cmd_command},
    {"messaging-limit", "", 0, 0, messaging_limit_opts,
     "Meta's 24-hour messaging limit: show it and what is used, or --set it",
     messaging_limit_details, ctl_cmd_messaging_limit},
    {"templates", "", 0, 0, json_opts,
     "what Meta said of each template; campaigns waiting on it",
     templates_details, ctl_cmd_templates},
    /* `campaign <verb>` spellings of the lifecycle verbs, for those who expect them. */
    {"campaign schedule", "ID", 1, 1, schedule_opts, "same as `schedule`", NULL, ctl_cmd_schedule},
    LIFECYCLE("campaign start", ctl_cmd_start, "same as `start`"),
    LIFECYCLE("campaign pause", ctl_cmd_pause, "same as `pause`"),
    LIFECYCLE("campaign resume", ctl_cmd_resume, "same as `resume`"),
    LIFECYCLE("campaign cancel", ctl_cmd_cancel, "same as `cancel`"),
    LIFECYCLE("campaign duplicate", ctl_cmd_duplicate, "same as `duplicate`"),
    LIFECYCLE("campaign recalculate", ctl_cmd_recalculate, "same as `recalculate`"),
    {"campaign watch", "ID", 1, 1, watch_opts, "same as `watch`", NULL, ctl_cmd_watch},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
};

/* How many of argv's leading words spell `words`; 0 when they do not. */
static int match_words(const char *words, int argc, char **argv)
{
    int used = 0;
    const char *p = words;
    while (*p) {
        size_t len = strcspn(p, " ");
        if (used >= argc || strlen(argv[used]) != len || strncmp(argv[used], p, len) != 0)
            return 0;
        used++;
        p += len;
        p += *p == ' ';
    }
    return used;
}

const struct ctl_subcommand *ctl_subcommand_find(int argc, char **argv, int *consumed)
{
    const struct ctl_subcommand *best = NULL;
    int best_used = 0;
    for (const struct ctl_subcommand *sc = ctl_subcommands; sc->words; sc++) {
        int used = match_words(sc->words, argc, argv);
        if (used > best_used) {
            best = sc;
            best_used = used;
        }
    }
    *consumed = best_used;
    return best;
}

int ctl_subcommand_parse(const struct ctl_subcommand *sc, int argc, char **argv,
                         struct ctl_opts *opts, char *err, size_t errlen)
{
    const struct ctl_opt_spec *tables[] = {sc->opts, ctl_common_opts};
    const struct ctl_opt_spec *const *t = sc->opts ? tables : tables + 1;
    if (ctl_opts_parse(opts, t, sc->opts ? 2 : 1, argc, argv, err, errlen) != 0)
        return -1;
    if (ctl_opts_count(opts, "help"))
        return 0;
    if (opts->npositional < sc->min_pos) {
        snprintf(err, errlen, "%s: missing %s", sc->words, sc->positional);
        return -1;
    }
    if (opts->npositional > sc->max_pos) {
        snprintf(err, errlen, "%s: unexpected argument '%s'", sc->words,
                 opts->positional[sc->max_pos]);
        return -1;
    }
    return 0;
}

void ctl_subcommand_help(const struct ctl_subcommand *sc, FILE *out)
{
    fprintf(out, "Usage: herald-ctl %s%s%s [options]\n\n%s\n", sc->words,
            *sc->positional ? " " : "", sc->positional, sc->summary);
    if (sc->details)
        fprintf(out, "\n%s", sc->details);
    fputc('\n', out);
    const struct ctl_opt_spec *tables[] = {sc->opts, ctl_common_opts};
    if (sc->opts)
        ctl_opts_print_help(out, tables, 2);
    else
        ctl_opts_print_help(out, tables + 1, 1);
    fputc('\n', out);
    ctl_print_paragraph(out, "Exit status: 0 ok; 1 rejected, not found or usage error; 2 Kafka "
                             "or PostgreSQL unreachable, or no outcome in time.");
}

void ctl_usage(FILE *out)
{
    fprintf(out, "Usage: herald-ctl <command> [arguments] [options]\n\n"
                 "Herald's operator tool: posts commands to campaign-commands, waits for their\n"
                 "outcome and reads campaign state from PostgreSQL (docs/herald-ctl.md).\n\n"
                 "Commands:\n");
    for (const struct ctl_subcommand *sc = ctl_subcommands; sc->words; sc++) {
        if (strncmp(sc->summary, "same as", 7) == 0)
            continue;
        char left[64];
        snprintf(left, sizeof(left), "%s%s%s", sc->words, *sc->positional ? " " : "",
                 sc->positional);
        fprintf(out, "  %-28s %s\n", left, sc->summary);
    }
    fprintf(out, "\nRun `herald-ctl <command> --help` for its options.\n");
}
