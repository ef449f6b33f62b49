/*
 * cmd_segment_preview.c - `herald-ctl segment preview --audience JSON|@file`: how many
 * contacts an audience selects and a sample of them, before a campaign is created.
 *
 * Why it links the segmenter's library: the preview must use the very rule compiler the
 * audience snapshot uses (herald_segmenter_logic, segment_rules.h), so it cannot disagree
 * with what a campaign will send to. When that library is not part of the build, the
 * segmenter's `herald-contacts preview` is run instead.
 */
#include "ctl_db.h"
#include "ctl_json_arg.h"
#include "ctl_parse.h"
#include "ctl_sibling.h"
#include "ctl_subcommands.h"
#include "ctl_table.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef HERALD_CTL_HAVE_SEGMENTER_LOGIC
#include "segment_rules.h"

static int preview(struct ctl_ctx *ctx, json_t *audience, int sample)
{
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    struct segment_preview out;
    char err[600];
    if (segment_preview_run(pg, audience, sample, &out, err, sizeof(err)) != 0) {
        ctl_errorf("segment preview: %s", err);
        return PQstatus(pg) == CONNECTION_OK ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
    }
    if (ctx->quiet) {
        printf("%lld\n", out.count);
    } else {
        printf("%lld contact%s match\n", out.count, out.count == 1 ? "" : "s");
        const char *headers[] = {"phone", "name"};
        struct ctl_table *t = ctl_table_new(2, headers);
        for (size_t i = 0; t && i < out.nsample; i++) {
            const char *cells[] = {out.sample[i].phone, out.sample[i].name};
            ctl_table_add_row(t, cells);
        }
        if (t && ctl_table_rows(t) > 0)
            ctl_table_print(t, stdout);
        ctl_table_free(t);
    }
    segment_preview_free(&out);
    return CTL_EXIT_OK;
}
#else
static int preview(struct ctl_ctx *ctx, json_t *audience, int sample)
{
    char path[4096], nbuf[16];
    if (ctl_sibling_path("herald-contacts", path, sizeof(path)) != 0) {
        ctl_errorf("segment preview needs the segmenter (herald-contacts) in this build");
        return CTL_EXIT_INFRA;
    }
    char *text = json_dumps(audience, JSON_COMPACT);
    snprintf(nbuf, sizeof(nbuf), "%d", sample);
    char *argv[] = {path, "preview", "--audience", text, "--sample", nbuf, NULL};
    int rc = ctl_sibling_run(ctx, argv);
    free(text);
    return rc;
}
#endif

int ctl_cmd_segment_preview(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    const char *arg = ctl_opts_get(opts, "audience");
    const char *sample_arg = ctl_opts_get(opts, "sample");
    long long sample = 10;
    char err[400];
    if (sample_arg && (ctl_parse_id(sample_arg, &sample) != 0 || sample > 1000)) {
        ctl_errorf("--sample %s: give an integer 1..1000", sample_arg);
        return CTL_EXIT_FAIL;
    }
    json_t *audience = arg ? ctl_json_arg_load(arg, err, sizeof(err)) : json_object();
    if (!json_is_object(audience)) {
        ctl_errorf("--audience: %s", audience ? "the audience is a JSON object" : err);
        json_decref(audience);
        return CTL_EXIT_FAIL;
    }
    int rc = preview(ctx, audience, (int)sample);
    json_decref(audience);
    return rc;
}
