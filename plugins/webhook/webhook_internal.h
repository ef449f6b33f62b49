/*
 * webhook_internal.h - the webhook plugin's context shared by its two halves: the plugin
 * lifecycle (webhook_plugin.c, host main thread) and the HTTP handler (webhook_http.c,
 * libmicrohttpd worker threads).
 *
 * Why a shared header: the handler produces to Kafka from MHD threads and parks the
 * connection (MHD_suspend_connection) until the host's main thread reports every
 * acknowledgement; both sides touch the same list of waiting requests under one mutex.
 */
#ifndef HERALD_WEBHOOK_INTERNAL_H
#define HERALD_WEBHOOK_INTERNAL_H

#include <herald/plugin.h>
#include <pthread.h>
#include <stdint.h>

struct MHD_Daemon;
struct MHD_Response;
struct webhook_request;
struct webhook_signer;
struct webhook_numbers;

struct webhook_metrics {
    herald_counter *requests;
    herald_counter *accepted;
    herald_counter *rejected_signature;
    herald_counter *rejected_payload;
    herald_counter *rejected_oversize;
    herald_counter *unavailable;
    herald_counter *ack_timeouts;
    herald_counter *produce_failures;
    herald_counter *delivery_events;
    herald_counter *replies;
    herald_counter *unknown_fields;
    herald_counter *unknown_changes;
    herald_counter *limit_updates;
    herald_counter *template_updates;
    herald_counter *number_updates;
    herald_counter *ignored_items;
    herald_counter *verifications_ok;
    herald_counter *verifications_refused;
    herald_counter *waiting_requests; /* gauge */
};

struct webhook_ctx {
    /* filled by the host from the config section (see config_map in webhook_plugin.c) */
    char *listen;
    char *path;
    char *verify_token;
    char *app_secret;
    int64_t max_body_bytes;
    int64_t connection_limit;
    int64_t per_ip_connection_limit;
    int64_t threads;
    char *event_loop; /* "poll" or "epoll" */
    int64_t ack_timeout_ms;
    int64_t connection_timeout_s;

    /* runtime */
    herald_host *host;
    const struct herald_host_api *api;
    struct MHD_Daemon *daemon;
    struct webhook_signer *signer;   /* keyed with app_secret once */
    struct webhook_numbers *numbers; /* (number, WABA) pairs passed on to the segmenter */
    /* the fixed answers, built once and queued by every request (MHD reference-counts them) */
    struct MHD_Response *answers[8];
    struct webhook_metrics m;
    pthread_mutex_t lock;            /* guards every webhook_request's ack state and the list */
    struct webhook_request *waiting; /* suspended requests, for ack timeouts and shutdown */
    int64_t n_waiting;
    /* answered requests whose delivery callbacks are still owed (freed by the last callback,
     * or in cb_exit when the host stopped without delivering them) */
    struct webhook_request *orphans;
};

/* Starts the MHD daemon on ctx->listen. Returns 0, or -1 after logging why. */
int webhook_http_start(struct webhook_ctx *ctx);
/* Answers 503 to every request still waiting for acks, then stops the daemon and frees the
 * requests whose delivery callbacks never came. */
void webhook_http_stop(struct webhook_ctx *ctx);
/* Main thread, from cb_tick: answers 503 to requests whose acks are overdue. */
void webhook_http_expire(struct webhook_ctx *ctx, int64_t now_ms);
/* Number of requests still waiting for Kafka acknowledgements. */
int64_t webhook_http_waiting(struct webhook_ctx *ctx);

#endif
