/*
 * api_internal.h - the control API plugin's context and the seams between its files:
 * server and dispatch (api_http.c), database pool (api_db.c), commands to Kafka
 * (api_produce.c), handlers (api_campaign_handlers.c, api_contact_handlers.c,
 * api_recipient_handlers.c, api_reply_handlers.c, api_contact_show.c, api_messaging_limit.c) and
 * the progress hub behind the SSE stream (api_progress_hub.c).
 *
 * Threading: libmicrohttpd runs one thread per connection, so a handler may block (waiting
 * for a Kafka acknowledgement or for the next progress snapshot) without stalling others;
 * connection_limit bounds the number of threads.
 */
#ifndef HERALD_API_INTERNAL_H
#define HERALD_API_INTERNAL_H

#include <herald/plugin.h>
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "api_auth.h"
#include "api_route.h"

struct MHD_Daemon;
struct MHD_Connection;
struct MHD_Response;
struct api_db_pool;
struct progress_hub;
struct ack_waiter;

struct api_metrics {
    herald_counter *requests;
    herald_counter *errors_4xx;
    herald_counter *errors_5xx;
    herald_counter *unauthorized;
    herald_counter *commands;
    herald_counter *command_failures;
    herald_counter *progress_polls;
    herald_counter *sse_watchers; /* gauge */
};

struct api_ctx {
    /* config (see api_plugin.c) */
    char *listen;
    char *api_token;
    char *static_dir;
    int64_t max_body_bytes;
    int64_t import_max_bytes;
    int64_t connection_limit;
    int64_t per_ip_connection_limit;
    int64_t connection_timeout_s;
    int64_t db_pool_size;
    int64_t ack_timeout_ms;
    int64_t progress_poll_ms;
    int64_t sse_keepalive_ms;

    /* runtime */
    herald_host *host;
    const struct herald_host_api *api;
    struct api_auth auth;
    struct MHD_Daemon *daemon;
    struct api_db_pool *db;
    struct progress_hub *hub;
    char *static_root; /* realpath of static_dir, NULL when not serving files */
    struct api_metrics m;
    /* commands whose delivery callback is still owed (see api_produce.c) */
    pthread_mutex_t waiters_lock;
    struct ack_waiter *waiters;
    int waiters_ready;
};

/* What a handler answers: status and a JSON body (heap, owned), or an error; or a response
 * it built itself (a stream with its own content type), queued with `status` as it is. */
struct api_reply {
    unsigned status;
    char *body;                  /* JSON text, free()d by the server */
    struct MHD_Response *stream; /* instead of body; the server destroys its reference */
};

/* One parsed API call handed to a handler. */
struct api_call {
    struct api_ctx *ctx;
    struct MHD_Connection *conn;
    const struct api_route *route;
    const char *body; /* raw body, NUL-terminated */
    size_t body_len;
};

/* Reply helpers (api_http.c). json_reply takes ownership of `body` (decref'd). */
void api_reply_json(struct api_reply *r, unsigned status, json_t *body);
void api_reply_text(struct api_reply *r, unsigned status, const char *json_text);
void api_reply_error(struct api_reply *r, unsigned status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Parses the call's body as a JSON object; NULL after setting a 400 reply. An empty body is
 * an empty object when `empty_ok`. */
json_t *api_call_json(const struct api_call *call, struct api_reply *r, int empty_ok);
const char *api_call_query(const struct api_call *call, const char *name);
/* A query parameter as an integer from 1 to max; `def` when absent. -1 when malformed. */
int api_query_int(const char *s, int def, int max, int *out);

/* How long a request waits for a pooled database connection before answering 503. */
#define API_DB_WAIT_MS 5000
struct api_db_lease;
/* Borrows a database connection for the call; -1 after setting a 503 reply. */
int api_call_db(const struct api_call *call, struct api_reply *r, struct api_db_lease *l);

/* Handlers (api_campaign_handlers.c, api_contact_handlers.c). */
void api_handle_campaign_create(const struct api_call *call, struct api_reply *r);
void api_handle_campaign_update(const struct api_call *call, struct api_reply *r);
void api_handle_campaign_command(const struct api_call *call, struct api_reply *r);
void api_handle_campaign_list(const struct api_call *call, struct api_reply *r);
void api_handle_campaign_get(const struct api_call *call, struct api_reply *r);
void api_handle_campaign_progress(const struct api_call *call, struct api_reply *r);
void api_handle_command_get(const struct api_call *call, struct api_reply *r);
void api_handle_contacts_import(const struct api_call *call, struct api_reply *r);
void api_handle_list_list(const struct api_call *call, struct api_reply *r);
void api_handle_list_create(const struct api_call *call, struct api_reply *r);
void api_handle_segment_preview(const struct api_call *call, struct api_reply *r);
void api_handle_contacts_opt_out(const struct api_call *call, struct api_reply *r);
void api_handle_contacts_opt_in(const struct api_call *call, struct api_reply *r);
void api_handle_contacts_erase(const struct api_call *call, struct api_reply *r);
void api_handle_campaign_recipients(const struct api_call *call, struct api_reply *r);
void api_handle_campaign_replies(const struct api_call *call, struct api_reply *r);
void api_handle_contact_show(const struct api_call *call, struct api_reply *r);
void api_handle_messaging_limit_get(const struct api_call *call, struct api_reply *r);
void api_handle_messaging_limit_set(const struct api_call *call, struct api_reply *r);

/* Produces `command` (borrowed) on campaign-commands keyed by campaign_id and waits for the
 * acknowledgement. Returns 0 when acknowledged, -1 after ack_timeout_ms or failure. */
int api_produce_command(struct api_ctx *ctx, int64_t campaign_id, const json_t *command);
/* cb_exit: frees waiters whose delivery callback never came (host stopped without it). */
void api_produce_release_all(struct api_ctx *ctx);

/* SSE stream response for GET /api/campaigns/{id}/progress/stream (api_progress_stream.c).
 * Returns 0 after queueing the stream, -1 when it could not be set up. */
/* GET /api/campaigns/{id}/recipients?format=csv (api_recipient_csv.c): opens a database
 * connection of its own, starts the COPY and returns the response that streams it (and closes
 * the connection when done). NULL when the COPY could not start. */
struct MHD_Response *api_recipients_csv_stream(struct api_ctx *ctx, int64_t campaign_id,
                                               const char *outcomes);

int api_stream_progress(struct api_ctx *ctx, struct MHD_Connection *conn, int64_t campaign_id);

int api_http_start(struct api_ctx *ctx);
void api_http_stop(struct api_ctx *ctx);

#endif
