/*
 * cmd_contacts_opt.c - `herald-ctl contacts opt-out|opt-in|erase PHONE...`: record a
 * contact's request, made outside WhatsApp (support mail, a web form), to stop or resume
 * campaigns, or to have their data erased.
 *
 * Why it links the segmenter's library: the rule (what an opt-out does to an unknown phone, how
 * it orders against keyword replies) is the segmenter's contact_opt.c, shared with the control
 * API, so herald-ctl cannot apply it differently.
 *
 * Output: one row per distinct phone (phone, result); -J for JSON. Exit 1 when a phone was
 * refused, is not a contact (opt-in) or was not found (erase); the others are done all the
 * same.
 */
#include "ctl_result_print.h"
#include "ctl_subcommands.h"

#include <stdbool.h>

#ifdef HERALD_CTL_HAVE_SEGMENTER_LOGIC
#include "contact_opt.h"

static int run(struct ctl_ctx *ctx, const struct ctl_opts *opts, enum contact_opt_request what)
{
    const char *name = what == CONTACT_OPT_OUT  ? "opt-out"
                       : what == CONTACT_OPT_IN ? "opt-in"
                                                : "erase";
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    char err[600];
    PGresult *res =
        contact_opt_apply(pg, what, opts->positional, (size_t)opts->npositional, err, sizeof(err));
    if (!res) {
        ctl_errorf("contacts %s: %s", name, err);
        return PQstatus(pg) == CONNECTION_OK ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
    }
    bool failed = false;
    for (int i = 0; i < PQntuples(res); i++)
        failed |= contact_opt_result_failed(PQgetvalue(res, i, 1)) != 0;
    int rc =
        ctl_print_result(res, ctl_output_choose(ctl_opts_count(opts, "json"), 0), NULL, stdout);
    PQclear(res);
    return rc || failed ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
#else
enum contact_opt_request { CONTACT_OPT_OUT, CONTACT_OPT_IN, CONTACT_ERASE };

static int run(struct ctl_ctx *ctx, const struct ctl_opts *opts, enum contact_opt_request what)
{
    (void)ctx;
    (void)opts;
    (void)what;
    ctl_errorf("this contacts command needs the segmenter's library in this build");
    return CTL_EXIT_FAIL;
}
#endif

int ctl_cmd_contacts_opt_out(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return run(ctx, opts, CONTACT_OPT_OUT);
}

int ctl_cmd_contacts_opt_in(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return run(ctx, opts, CONTACT_OPT_IN);
}

int ctl_cmd_contacts_erase(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    return run(ctx, opts, CONTACT_ERASE);
}
