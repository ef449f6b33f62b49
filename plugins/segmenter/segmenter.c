/*
 * segmenter.c - registration of the segmenter plugin: config map and host callbacks.
 *
 * Why: the host knows nothing of campaigns; this file wires its callbacks to the segmenter's
 * steps. cb_process applies `campaign-commands`; cb_tick starts due schedules, tops up the
 * bounded emission of `jobs` and detects completion; cb_drain waits for Kafka to acknowledge
 * the jobs already produced, so their rows are not left `queued` by a clean shutdown.
 */
#include <stddef.h>
#include <string.h>

#include "failure_guard.h"
#include "messaging_limit.h"
#include "segmenter.h"

#define STALE_CHECK_MS 5000
/* longest wait between two emission steps of a running campaign (emission_schedule.h) */
#define EMIT_IDLE_MAX_MS 1000

#define OPT(type, name, def, field, desc)                                                          \
    {                                                                                              \
        type, name, def, 0, offsetof(struct segmenter, field), NULL, desc                          \
    }

static const struct herald_config_option config_map[] = {
    OPT(HERALD_CONFIG_STR, "jobs_topic", "jobs", jobs_topic, "logical topic jobs are produced to"),
    OPT(HERALD_CONFIG_DOUBLE, "default_rate_per_second", "80", default_rate_per_second,
        "send rate assumed for the lookahead window when a campaign has no rate cap"),
    OPT(HERALD_CONFIG_DOUBLE, "lookahead_seconds", "5", lookahead_seconds,
        "seconds of a campaign's rate kept queued in Kafka ahead of the dispatchers"),
    OPT(HERALD_CONFIG_INT, "lookahead_min", "200", lookahead_min,
        "floor of the per-campaign lookahead window (recipients)"),
    OPT(HERALD_CONFIG_INT, "lookahead_max", "20000", lookahead_max,
        "hard cap of the per-campaign lookahead window (recipients)"),
    OPT(HERALD_CONFIG_INT, "emit_batch_max", "2000", emit_batch_max,
        "most recipients queued for one campaign in one tick"),
    OPT(HERALD_CONFIG_INT, "completion_check_ms", "500", completion_check_ms,
        "period of the completion check"),
    OPT(HERALD_CONFIG_INT, "max_campaigns_per_tick", "50", max_campaigns_per_tick,
        "running campaigns stepped per tick (rotating beyond that)"),
    OPT(HERALD_CONFIG_INT, "requeue_stale_seconds", "600", requeue_stale_seconds,
        "re-emit recipients queued longer than this (job lost or dropped); 0 = never"),
    OPT(HERALD_CONFIG_DOUBLE, "pause_above_failure_rate", "0", pause_above_failure_rate,
        "pause a running campaign once more than this share of its recently settled messages "
        "failed (0.2 = 20 %; 0 = never)"),
    OPT(HERALD_CONFIG_INT, "failure_guard_min_settled", "200", failure_guard_min_settled,
        "settled messages the failure guard needs before it judges a campaign"),
    OPT(HERALD_CONFIG_INT, "failure_guard_window", "2000", failure_guard_window,
        "settled messages after which the failure guard counts afresh (0 = only at a resume)"),
    OPT(HERALD_CONFIG_BOOL, "follow_meta_messaging_limit", "true", follow_meta_messaging_limit,
        "set the messaging limit Meta announces by webhook (business_capability_update); "
        "false: record and log it only"),
    OPT(HERALD_CONFIG_BOOL, "follow_meta_template_status", "true", follow_meta_template_status,
        "pause the campaigns on a template Meta paused, resume them when it is approved again, "
        "fail them when it is disabled (message_template_status_update); false: record only"),
    OPT(HERALD_CONFIG_BOOL, "recover_queued_on_start", "true", recover_queued_on_start,
        "re-emit recipients left queued by an earlier run (see docs/segmenter.md)"),
    {0, NULL, NULL, 0, 0, NULL, NULL},
};

/* One line naming the first bad option, or NULL. */
static const char *config_problem(const struct segmenter *s)
{
    if (!s->jobs_topic || !*s->jobs_topic)
        return "jobs_topic must not be empty";
    if (s->default_rate_per_second <= 0)
        return "default_rate_per_second must be > 0";
    if (s->lookahead_seconds < 0)
        return "lookahead_seconds must be >= 0";
    if (s->lookahead_min < 1 || s->lookahead_max < s->lookahead_min)
        return "need 1 <= lookahead_min <= lookahead_max";
    if (s->emit_batch_max < 1)
        return "emit_batch_max must be >= 1";
    if (s->completion_check_ms < 10)
        return "completion_check_ms must be >= 10";
    if (s->requeue_stale_seconds < 0)
        return "requeue_stale_seconds must be >= 0";
    if (s->pause_above_failure_rate < 0 || s->pause_above_failure_rate >= 1)
        return "pause_above_failure_rate must be >= 0 and < 1 (0 = never)";
    if (s->failure_guard_min_settled < 1)
        return "failure_guard_min_settled must be >= 1";
    if (s->failure_guard_window != 0 && s->failure_guard_window < s->failure_guard_min_settled)
        return "failure_guard_window must be 0 or >= failure_guard_min_settled (a shorter "
               "window is closed before the guard may judge it)";
    return NULL;
}

static int validate_config(struct segmenter *s)
{
    const char *bad = config_problem(s);
    if (bad)
        s->api->log(s->host, HERALD_LOG_ERROR, "segmenter config: %s", bad);
    return bad ? -1 : 0;
}

static int cb_init(void *ctx, herald_host *host)
{
    struct segmenter *s = ctx;
    s->host = host;
    s->api = host->api;
    if (validate_config(s) != 0)
        return -1;
    s->emission = (struct emission_config){
        .lookahead_seconds = s->lookahead_seconds,
        .lookahead_min = s->lookahead_min,
        .lookahead_max = s->lookahead_max,
        .default_rate = s->default_rate_per_second,
        .batch_max = s->emit_batch_max,
    };
    s->recovered = !s->recover_queued_on_start;
    emission_schedule_init(&s->emit_plan, EMIT_IDLE_MAX_MS);
    s->order = command_order_new();
    if (!s->order)
        return -1;
    const struct herald_host_api *a = s->api;
    s->commands_accepted = a->counter(host, "commands_accepted_total", "commands applied");
    s->commands_rejected = a->counter(host, "commands_rejected_total",
                                      "commands rejected (reason in command_results)");
    s->commands_duplicate = a->counter(host, "commands_duplicate_total",
                                       "redelivered commands ignored (already recorded)");
    s->jobs_emitted = a->counter(host, "jobs_emitted_total", "jobs handed to Kafka");
    s->jobs_failed = a->counter(host, "jobs_failed_total", "jobs Kafka did not accept");
    s->campaigns_started = a->counter(host, "campaigns_started_total", "audience snapshots taken");
    s->campaigns_completed = a->counter(host, "campaigns_completed_total", "campaigns completed");
    s->campaigns_guarded = a->counter(host, "campaigns_paused_by_failure_guard_total",
                                      "campaigns paused because too many of their messages failed");
    s->template_paused = a->counter(host, "campaigns_template_paused_total",
                                    "campaigns paused: Meta paused their template");
    s->template_resumed = a->counter(host, "campaigns_template_resumed_total",
                                     "campaigns resumed: Meta approved their template again");
    s->template_failed = a->counter(host, "campaigns_template_failed_total",
                                    "campaigns failed: Meta disabled or deleted their template");
    s->template_flagged =
        a->counter(host, "templates_flagged_total",
                   "templates Meta flagged for low quality (paused if it goes on)");
    s->inflight_gauge = a->gauge(host, "jobs_in_flight", "jobs produced, not yet acknowledged");
    s->parked_gauge = a->gauge(host, "commands_parked",
                               "commands waiting for an earlier command of their campaign that "
                               "waits for a retry");
    s->messaging_limit_gauge =
        a->gauge(host, "messaging_limit_used",
                 "people contacted in the last 24 h, as the messaging limit counts them (0 while "
                 "no limit is set)");
    s->messaging_limit_setting = a->gauge(
        host, "messaging_limit",
        "Meta's messaging limit as set (herald-ctl messaging-limit; 0 = none), as last read");
    a->log(host, HERALD_LOG_INFO,
           "segmenter ready: lookahead %.1f s (min %lld, max %lld), default rate %.1f/s",
           s->lookahead_seconds, (long long)s->lookahead_min, (long long)s->lookahead_max,
           s->default_rate_per_second);
    return 0;
}

/* Runs one command, then every command of the same campaign that was parked behind it
 * (command_order.h): a retried command never lets a later one of its campaign overtake it. */
static void run_in_order(struct segmenter *s, struct herald_message *m)
{
    int admitted = command_order_admit(s->order, m);
    if (admitted < 0)
        s->api->done(s->host, m, HERALD_RETRY);
    while (admitted > 0 && m) {
        herald_status st = segmenter_handle_command(s, m);
        struct herald_message *next = command_order_settled(s->order, m, st == HERALD_RETRY);
        s->api->done(s->host, m, st);
        m = next;
    }
}

static void cb_process(void *ctx, struct herald_message **msgs, size_t n)
{
    struct segmenter *s = ctx;
    for (size_t i = 0; i < n; i++)
        run_in_order(s, msgs[i]);
    /* a start, resume or cancel changes what is pending: look at every campaign next tick */
    if (n)
        emission_schedule_wake_all(&s->emit_plan);
    s->api->gauge_set(s->parked_gauge, (double)command_order_parked(s->order));
}

static void give_back(void *arg, struct herald_message *m)
{
    struct segmenter *s = arg;
    s->api->done(s->host, m, HERALD_RETRY);
}

/* Parked commands of revoked partitions are handed back unprocessed: their next owner reads
 * them again from the committed offset, in order. */
static void cb_assign(void *ctx, const struct herald_partition *parts, size_t n, int assigned)
{
    struct segmenter *s = ctx;
    for (size_t i = 0; !assigned && i < n; i++)
        command_order_release(s->order, parts[i].topic, parts[i].partition, give_back, s);
    s->api->gauge_set(s->parked_gauge, (double)command_order_parked(s->order));
}

static void cb_tick(void *ctx, int64_t now_ms)
{
    struct segmenter *s = ctx;
    if (s->api->stopping(s->host))
        return;
    if (!s->recovered && job_emitter_recover(s) == 0)
        s->recovered = 1;
    schedule_tick(s);
    if (s->recovered)
        job_emitter_tick(s);
    if (now_ms >= s->next_stale_check_ms) {
        if (s->requeue_stale_seconds > 0)
            job_emitter_requeue_stale(s);
        job_emitter_release_closed(s);
        messaging_limit_prune(s);
        failure_guard_tick(s);
        s->next_stale_check_ms = now_ms + STALE_CHECK_MS;
    }
    if (now_ms >= s->next_completion_ms) {
        completion_tick(s);
        s->next_completion_ms = now_ms + s->completion_check_ms;
    }
}

static int cb_drain(void *ctx, int64_t now_ms)
{
    struct segmenter *s = ctx;
    (void)now_ms;
    /* uncommitted: after the restart they come again, behind the command they waited for */
    command_order_release(s->order, NULL, -1, give_back, s);
    return s->inflight <= 0;
}

static void cb_exit(void *ctx)
{
    struct segmenter *s = ctx;
    command_order_free(s->order);
    s->order = NULL;
    emission_schedule_free(&s->emit_plan);
}

static const struct herald_plugin segmenter_plugin = {
    .abi_version = HERALD_PLUGIN_ABI_VERSION,
    .name = "segmenter",
    .description = "campaign lifecycle, audience snapshot, schedules, bounded job emission",
    .ctx_size = sizeof(struct segmenter),
    .config_map = config_map,
    .cb_init = cb_init,
    .cb_process = cb_process,
    .cb_tick = cb_tick,
    .cb_assign = cb_assign,
    .cb_drain = cb_drain,
    .cb_exit = cb_exit,
};

HERALD_PLUGIN_EXPORT(segmenter_plugin)
