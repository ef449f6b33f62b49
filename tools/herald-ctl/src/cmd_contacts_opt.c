/*
 * cmd_contacts_opt.c - `herald-ctl contacts opt-out|opt-in PHONE...`: record a contact's
 * request, made outside WhatsApp (support mail, a web form), to stop or resume campaigns.
 *
 * Why: a reply "STOP" opts a contact out by itself (the analytics stage, migrations/056), but
 * an operator must be able to do the same by hand, and to undo it. Both set
 * contacts.opt_requested_at to now, so a keyword reply that Meta delivers late (older than this
 * request) cannot undo it, while the contact's next keyword reply still can. opt-out adds an
 * unknown phone as a contact that is opted out, so a later import cannot make it reachable;
 * opt-in never creates a contact. Phones are normalised like an import (the segmenter's
 * phone_normalize) when that library is in the build; the database checks the result.
 *
 * Output: one row per distinct phone (phone, result); -J for JSON. Exit 1 when a phone was
 * refused or (opt-in) is not a contact; the others are done all the same.
 */
#include "ctl_db.h"
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifdef HERALD_CTL_HAVE_SEGMENTER_LOGIC
#include "phone_number.h"
#endif

/* $1: a JSON array of phones. Both statements report each phone's state before the change
 * (a sibling CTE reads the snapshot the data-modifying one started from). */
static const char OPT_OUT_SQL[] =
    "WITH req AS (SELECT DISTINCT p AS phone, p ~ '^[1-9][0-9]{7,14}$' AS valid "
    "             FROM jsonb_array_elements_text($1::jsonb) p), "
    "before AS (SELECT r.phone, r.valid, c.opted_out FROM req r "
    "           LEFT JOIN contacts c ON c.phone = r.phone), "
    "done AS (INSERT INTO contacts AS c (phone, opted_out, opted_out_at, opt_requested_at) "
    "         SELECT phone, true, now(), now() FROM req WHERE valid "
    "         ON CONFLICT (phone) DO UPDATE SET opted_out = true, "
    "           opted_out_at = CASE WHEN c.opted_out THEN c.opted_out_at ELSE now() END, "
    "           opt_requested_at = now(), updated_at = now() "
    "         RETURNING c.phone) "
    "SELECT b.phone, CASE WHEN NOT b.valid THEN 'refused: not E.164 digits' "
    "                     WHEN b.opted_out IS NULL THEN 'opted out (new contact)' "
    "                     WHEN b.opted_out THEN 'already opted out' "
    "                     ELSE 'opted out' END AS result "
    "FROM before b LEFT JOIN done d ON d.phone = b.phone ORDER BY b.phone";

static const char OPT_IN_SQL[] =
    "WITH req AS (SELECT DISTINCT p AS phone, p ~ '^[1-9][0-9]{7,14}$' AS valid "
    "             FROM jsonb_array_elements_text($1::jsonb) p), "
    "before AS (SELECT r.phone, r.valid, c.opted_out FROM req r "
    "           LEFT JOIN contacts c ON c.phone = r.phone), "
    "done AS (UPDATE contacts c SET opted_out = false, opted_out_at = NULL, "
    "           opt_requested_at = now(), updated_at = now() "
    "         FROM req WHERE req.valid AND c.phone = req.phone RETURNING c.phone) "
    "SELECT b.phone, CASE WHEN NOT b.valid THEN 'refused: not E.164 digits' "
    "                     WHEN b.opted_out IS NULL THEN 'not a contact' "
    "                     WHEN b.opted_out THEN 'opted in' "
    "                     ELSE 'already opted in' END AS result "
    "FROM before b LEFT JOIN done d ON d.phone = b.phone ORDER BY b.phone";

/* Appends phone in its normalised form (as typed when it cannot be normalised: the database
 * then refuses it by name). */
static int add_phone(json_t *phones, const char *typed)
{
#ifdef HERALD_CTL_HAVE_SEGMENTER_LOGIC
    char digits[PHONE_BUF_SIZE];
    const char *why = NULL;
    if (phone_normalize(typed, digits, sizeof(digits), &why) == 0)
        return json_array_append_new(phones, json_string(digits));
#endif
    return json_array_append_new(phones, json_string(typed));
}

/* True when any row's result is a refusal or "not a contact". */
static bool any_failed(const PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        const char *r = PQgetvalue(res, i, 1);
        if (strncmp(r, "refused", 7) == 0 || strcmp(r, "not a contact") == 0)
            return true;
    }
    return false;
}

static int run(struct ctl_ctx *ctx, const struct ctl_opts *opts, const char *what, const char *sql)
{
    json_t *phones = json_array();
    for (int i = 0; phones && i < opts->npositional; i++)
        if (add_phone(phones, opts->positional[i]) != 0) {
            json_decref(phones);
            phones = NULL;
        }
    char *param = phones ? json_dumps(phones, JSON_COMPACT) : NULL;
    json_decref(phones);
    if (!param) {
        ctl_errorf("contacts %s: out of memory", what);
        return CTL_EXIT_FAIL;
    }
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg) {
        free(param);
        return CTL_EXIT_INFRA;
    }
    PGresult *res;
    char err[600];
    const char *params[] = {param};
    enum ctl_db_status st = ctl_db_query(pg, sql, 1, params, &res, err, sizeof(err));
    free(param);
    if (st != CTL_DB_OK) {
        ctl_errorf("contacts %s: %s", what, err);
        return st == CTL_DB_MISSING || PQstatus(pg) == CONNECTION_OK ? CTL_EXIT_FAIL
                                                                     : CTL_EXIT_INFRA;
    }
    bool failed = any_failed(res);
    int rc =
        ctl_print_result(res, ctl_output_choose(ctl_opts_count(opts, "json"), 0), NULL, stdout);
    PQclear(res);
    return rc || failed ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

int ctl_cmd_contacts_opt_out(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return run(ctx, opts, "opt-out", OPT_OUT_SQL);
}

int ctl_cmd_contacts_opt_in(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return run(ctx, opts, "opt-in", OPT_IN_SQL);
}
