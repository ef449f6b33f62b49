/*
 * cmd_watch.c - `herald-ctl watch ID`: follows a campaign until it is completed, cancelled or
 * failed, showing sent / delivered / read / failed / replied, the rate and the ETA (about
 * 4 redraws a second on a terminal, a line per change each second otherwise; with --json a
 * JSON object per change, one per line, for jq or a log pipeline).
 *
 * Why the client-side rate: campaign_progress gives rate_per_second and eta_seconds, but
 * they are averaged over whole minutes (too low while a campaign ramps up), may be NULL, or
 * the view may not exist yet; so the rate is measured here over the last 10 s of samples.
 * Ctrl-C stops watching (exit 0), never the campaign. A lost database connection is
 * re-established (for up to --timeout seconds) instead of ending the watch.
 */
#include "ctl_eta.h"
#include "ctl_live_display.h"
#include "ctl_parse.h"
#include "ctl_progress_query.h"
#include "ctl_subcommands.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The rate shown is measured here, never taken from the view: campaign_progress averages
 * over whole minutes, which reads far too low (ETA in hours) in a campaign's first minute.
 * Until one second of samples exists the rate and ETA are shown as unknown; a paused
 * campaign measures 0/s, so its ETA is unknown too. */
static void apply_local_rate(struct ctl_progress *p, struct ctl_rate_window *w)
{
    ctl_rate_add(w, now_s(), ctl_progress_done(p));
    p->rate = ctl_rate_span(w) >= 1.0 ? ctl_rate_per_second(w) : 0.0;
    p->eta_seconds = -1;
}

static int finish(const struct ctl_progress_snapshot *s, bool quiet)
{
    if (strcmp(s->status, "failed") == 0) {
        ctl_errorf("campaign %lld failed: %s", s->p.campaign_id,
                   *s->status_reason ? s->status_reason : "(no reason recorded)");
        return CTL_EXIT_FAIL;
    }
    if (!quiet)
        printf("campaign %lld %s\n", s->p.campaign_id, s->status);
    return CTL_EXIT_OK;
}

/* A database restart must not end a watch that may have run for an hour: the connection is
 * reset once a second until it answers again or --timeout seconds passed (then exit 2, as for
 * any outage). Only a lost connection is retried; an SQL error still ends the watch. */
static bool reconnect(PGconn *pg, double timeout_s, const char *why)
{
    fprintf(stderr, "herald-ctl: %s; reconnecting for up to %.0f s\n", why, timeout_s);
    double deadline = now_s() + timeout_s;
    while (!stop_requested && now_s() < deadline) {
        sleep_s(1.0);
        PQreset(pg);
        if (PQstatus(pg) == CONNECTION_OK) {
            fprintf(stderr, "herald-ctl: reconnected to postgresql\n");
            return true;
        }
    }
    return false;
}

static double interval_for(const struct ctl_opts *opts, bool tty, int *rc)
{
    const char *arg = ctl_opts_get(opts, "interval");
    double interval = tty ? 0.25 : 1.0;
    *rc = CTL_EXIT_OK;
    if (arg && (ctl_parse_positive(arg, &interval) != 0 || interval > 3600)) {
        ctl_errorf("--interval %s: give a number of seconds, more than 0 and at most 3600", arg);
        *rc = CTL_EXIT_FAIL;
    }
    return interval;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int ctl_cmd_watch(struct ctl_ctx *ctx, const struct ctl_opts *opts)
{
    long long id;
    if (ctl_parse_id(opts->positional[0], &id) != 0) {
        ctl_errorf("'%s' is not a campaign id (a positive integer)", opts->positional[0]);
        return CTL_EXIT_FAIL;
    }
    struct ctl_live_display disp;
    ctl_live_display_init(&disp);
    disp.json = ctl_opts_count(opts, "json") > 0;
    int rc;
    double interval = interval_for(opts, disp.tty && !disp.json, &rc);
    if (rc != CTL_EXIT_OK)
        return rc;
    PGconn *pg = ctl_ctx_pg(ctx);
    if (!pg)
        return CTL_EXIT_INFRA;
    install_signals();
    struct ctl_rate_window w;
    ctl_rate_init(&w, 10.0);
    bool use_view = true, warned = false, once = ctl_opts_count(opts, "once") > 0;
    struct ctl_progress_snapshot snap;
    char err[600];
    for (;;) {
        enum ctl_progress_result r = ctl_progress_fetch(pg, id, &use_view, &snap, err, sizeof(err));
        if (r != CTL_PROGRESS_OK) {
            ctl_live_display_finish(&disp);
            if (r != CTL_PROGRESS_NOT_FOUND && PQstatus(pg) != CONNECTION_OK && !once &&
                reconnect(pg, ctx->timeout_s, err))
                continue;
            if (r == CTL_PROGRESS_NOT_FOUND)
                ctl_errorf("campaign %lld not found", id);
            else
                ctl_errorf("%s", err);
            return r == CTL_PROGRESS_NOT_FOUND ? CTL_EXIT_FAIL : CTL_EXIT_INFRA;
        }
        if (!use_view && !warned) {
            fprintf(stderr, "note: view campaign_progress is missing (analytics migrations 040+ "
                            "not applied); showing dispatch states only\n");
            warned = true;
        }
        apply_local_rate(&snap.p, &w);
        ctl_live_display_show(&disp, &snap.p);
        if (once || ctl_progress_is_final(snap.status) || stop_requested)
            break;
        sleep_s(interval);
    }
    ctl_live_display_finish(&disp);
    if (once || stop_requested)
        return CTL_EXIT_OK;
    return finish(&snap, ctx->quiet || disp.json); /* JSON lines: the last one says it */
}
