/*
 * main.c - herald-ctl entry point: finds the subcommand, parses its options, resolves the
 * connection settings and runs it. Everything else lives in the files named after it.
 */
#include "ctl_ctx.h"
#include "ctl_parse.h"
#include "ctl_subcommands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_VERSION "0.1.0"

/* Moves options given before the subcommand (`herald-ctl -c x.conf start 4`) after it. */
static int split_leading_options(int argc, char **argv, char **reordered)
{
    int lead = 0;
    while (lead < argc && argv[lead][0] == '-' && strcmp(argv[lead], "--") != 0) {
        const char *w = argv[lead];
        int takes_value = 0;
        for (const struct ctl_opt_spec *s = ctl_common_opts; s->name; s++) {
            int is_long = w[1] == '-' && strcmp(w + 2, s->name) == 0;
            int is_short = w[1] == s->short_name && w[2] == '\0';
            if ((is_long || is_short) && s->kind != CTL_OPT_FLAG)
                takes_value = 1;
        }
        lead += 1 + (takes_value && lead + 1 < argc);
    }
    int n = 0;
    for (int i = lead; i < argc; i++)
        reordered[n++] = argv[i];
    for (int i = 0; i < lead; i++)
        reordered[n++] = argv[i];
    return argc - lead; /* words from the subcommand on, before the moved options */
}

static int setup_ctx(struct ctl_ctx *ctx, const struct ctl_opts *opts, const char *self)
{
    char err[600];
    memset(ctx, 0, sizeof(*ctx));
    ctx->self_path = self;
    ctx->quiet = ctl_opts_count(opts, "quiet") > 0;
    ctx->no_wait = ctl_opts_count(opts, "no-wait") > 0;
    ctx->timeout_s = 15.0;
    const char *timeout = ctl_opts_get(opts, "timeout");
    if (timeout && (ctl_parse_positive(timeout, &ctx->timeout_s) != 0 || ctx->timeout_s > 86400)) {
        ctl_errorf("--timeout %s: give a number of seconds, more than 0 and at most 86400",
                   timeout);
        return CTL_EXIT_FAIL;
    }
    if (ctl_config_load(&ctx->cfg, ctl_opts_get(opts, "config"), err, sizeof(err)) != 0) {
        ctl_errorf("%s", err);
        return CTL_EXIT_FAIL;
    }
    return CTL_EXIT_OK;
}

static int run_subcommand(const struct ctl_subcommand *sc, int argc, char **argv, const char *self)
{
    struct ctl_opts opts;
    char err[300];
    int rc;
    if (ctl_subcommand_parse(sc, argc, argv, &opts, err, sizeof(err)) != 0) {
        ctl_errorf("%s", err);
        fprintf(stderr, "Usage: herald-ctl %s%s%s [options]  (see --help)\n", sc->words,
                *sc->positional ? " " : "", sc->positional);
        ctl_opts_free(&opts);
        return CTL_EXIT_FAIL;
    }
    if (ctl_opts_count(&opts, "help")) {
        ctl_subcommand_help(sc, stdout);
        ctl_opts_free(&opts);
        return CTL_EXIT_OK;
    }
    struct ctl_ctx ctx;
    rc = setup_ctx(&ctx, &opts, self);
    if (rc == CTL_EXIT_OK)
        rc = sc->run(&ctx, &opts);
    ctl_ctx_close(&ctx);
    ctl_opts_free(&opts);
    fflush(stdout);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ctl_usage(stderr);
        return CTL_EXIT_FAIL;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        ctl_usage(stdout);
        return CTL_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("herald-ctl %s\n", CTL_VERSION);
        return CTL_EXIT_OK;
    }
    char **words = calloc((size_t)argc, sizeof(char *));
    if (!words)
        return CTL_EXIT_INFRA;
    int nwords = split_leading_options(argc - 1, argv + 1, words);
    int used;
    const struct ctl_subcommand *sc = ctl_subcommand_find(nwords, words, &used);
    int rc;
    if (!sc) {
        ctl_errorf("unknown command '%s%s%s' (see herald-ctl --help)", nwords ? words[0] : "",
                   nwords > 1 ? " " : "", nwords > 1 ? words[1] : "");
        rc = CTL_EXIT_FAIL;
    } else {
        rc = run_subcommand(sc, argc - 1 - used, words + used, argv[0]);
    }
    free(words);
    return rc;
}
