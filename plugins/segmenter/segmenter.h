/*
 * segmenter.h - the segmenter plugin's context and the steps its callbacks run.
 *
 * Why: the plugin is split by concern (commands, snapshot, emission, schedule, completion);
 * they share one context, filled by the host from the config_map in segmenter.c.
 * Everything here runs on the host's main thread, on the host's main PostgreSQL connection.
 */
#ifndef HERALD_SEGMENTER_H
#define HERALD_SEGMENTER_H

#include <herald/plugin.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "command_order.h"
#include "emission_schedule.h"
#include "emission_window.h"

struct segmenter {
    /* ---- config (filled by the host, see config_map in segmenter.c) */
    char *jobs_topic;
    double default_rate_per_second;
    double lookahead_seconds;
    int64_t lookahead_min;
    int64_t lookahead_max;
    int64_t emit_batch_max;
    int64_t completion_check_ms;
    int64_t max_campaigns_per_tick;
    int64_t recover_queued_on_start;
    int64_t requeue_stale_seconds;
    double pause_above_failure_rate; /* failure_guard.h; 0 = off */
    int64_t failure_guard_min_settled;
    int64_t failure_guard_window; /* settled messages per count; 0 = from start/resume only */
    int64_t follow_meta_messaging_limit; /* messaging_limit_follow(): set what Meta announces */
    int64_t follow_meta_template_status; /* template_status.h: pause/resume/fail on Meta's word */

    /* ---- runtime */
    herald_host *host;
    const struct herald_host_api *api;
    struct emission_config emission;
    int64_t inflight; /* jobs produced and not yet acknowledged by Kafka */
    int recovered;    /* 1 once queued-but-maybe-unsent rows were reset */
    int64_t next_completion_ms;
    int64_t next_stale_check_ms;
    long long messaging_limit;          /* as last read (messaging_limit.h); 0 = none */
    int messaging_limit_full;           /* 1 while the limit holds new people back (logged once) */
    int emit_rotate;                    /* first campaign of the next emission tick */
    struct emission_schedule emit_plan; /* when each running campaign is next stepped */
    struct command_order *order;        /* a campaign's commands stay in order across retries */
    herald_counter *commands_accepted, *commands_rejected, *commands_duplicate;
    herald_counter *jobs_emitted, *jobs_failed, *campaigns_started, *campaigns_completed;
    herald_counter *campaigns_guarded;
    /* template_status.h */
    herald_counter *template_paused, *template_resumed, *template_failed, *template_flagged;
    herald_counter *inflight_gauge, *parked_gauge, *messaging_limit_gauge;
    herald_counter *messaging_limit_setting;
};

/* segmenter_commands.c: one consumed command, applied in one transaction with its
 * command_results row. Returns the status to complete the message with. */
herald_status segmenter_handle_command(struct segmenter *s, struct herald_message *msg);

/* segmenter_commands.c: runs the statement that applies one of Meta's announcements (a command
 * of no campaign, without a command_results row). HERALD_OK with *res set, or with *res NULL
 * when the database refused the values (logged and counted as rejected: the command is
 * skipped); HERALD_RETRY when the database did not answer. */
herald_status segmenter_announcement_exec(struct segmenter *s, const char *command_id,
                                          const char *type, const char *sql, int nparams,
                                          const char *const *params, PGresult **res);

/* audience_snapshot.c: inside an open transaction that holds the campaign row lock, snapshot
 * the audience into campaign_recipients and mark the campaign running. Returns 0, or -1 with
 * *data_error = 1 when the definition itself is at fault (reason in err) and 0 when the
 * database failed (retry later). */
int campaign_start_locked(struct segmenter *s, PGconn *conn, const char *campaign_id,
                          long long *audience_size, int *data_error, char *err, size_t errlen);

/* job_emitter.c: queue and produce the next recipients of every running campaign. */
void job_emitter_tick(struct segmenter *s);
/* job_emitter.c: after a restart, recipients left `queued` may never have reached Kafka. */
int job_emitter_recover(struct segmenter *s);
/* job_emitter.c: rows `queued` for longer than requeue_stale_seconds go back to pending. */
void job_emitter_requeue_stale(struct segmenter *s);
/* job_emitter.c: rows `queued` in a campaign whose send window has closed go back to pending
 * (the dispatchers leave them unsent), to be emitted again when it opens. */
void job_emitter_release_closed(struct segmenter *s);

/* schedule.c: start every scheduled campaign whose time has come (once across instances). */
void schedule_tick(struct segmenter *s);

/* completion.c: running campaigns with no open recipient become completed. */
void completion_tick(struct segmenter *s);

#endif
