/*
 * webhook_http.c - the libmicrohttpd side of the webhook: GET handshake, bounded POST body,
 * signature, parse, produce, and the answer that waits for Kafka.
 *
 * Why it is shaped like this: an accepted webhook must never be lost, so a POST is answered
 * 200 only once Kafka acknowledged every message produced from it. The handler produces from
 * the MHD worker thread, then suspends the connection (the worker serves other connections
 * meanwhile); delivery callbacks arrive on the host's main thread and resume it. A request
 * whose acks do not arrive within ack_timeout_ms, or whose produce failed, is answered 503 so
 * Meta redelivers it (duplicates are fine: consumers dedupe by event_id). No flush per
 * request: librdkafka batches across requests.
 *
 * Memory: a webhook_request lives until both MHD reported the connection finished and every
 * delivery callback it is owed has fired, whichever comes last (see release_locked()).
 */
#include "webhook_commands.h"
#include "webhook_internal.h"
#include "webhook_numbers.h"
#include "webhook_payload.h"
#include "webhook_signature.h"
#include "webhook_verification.h"
#include <herald/http_listen.h>

#include <limits.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIRST_ALLOC_DEFAULT 16384        /* chunked body: no length announced */
#define FIRST_ALLOC_MAX     (256 * 1024) /* declared length trusted up to this much */
#define NUMBERS_REMEMBERED  1024         /* business numbers; more are announced afresh */
#define NUMBERS_EVERY_MS    3600000      /* a number's WABA is passed on again hourly */

enum request_state {
    REQ_RECEIVING = 0, /* reading the body */
    REQ_PRODUCING,     /* producing; callbacks may already arrive */
    REQ_WAITING,       /* suspended until acks, failure or timeout */
    REQ_DECIDED,       /* resumed with `status` to answer */
};

struct webhook_request {
    struct webhook_ctx *ctx;
    struct MHD_Connection *conn;
    char *body;
    size_t len;
    size_t cap;
    size_t expected; /* first allocation: the declared Content-Length up to FIRST_ALLOC_MAX */
    int too_large;
    enum request_state state;
    int outstanding; /* delivery callbacks still owed by the host */
    int conn_alive;  /* until MHD's completion notification */
    int failed;      /* a produce failed or was not acknowledged in time */
    unsigned status; /* the answer once decided */
    int64_t deadline_ms;
    /* the (number, WABA) pairs this request passes on: forgotten if it ends in 503 */
    struct webhook_number announced[WEBHOOK_NUMBERS_MAX];
    size_t n_announced;
    struct webhook_request *prev, *next;               /* ctx->waiting while REQ_WAITING */
    struct webhook_request *wake_next;                 /* decided, to be resumed after unlock */
    struct webhook_request *orphan_prev, *orphan_next; /* ctx->orphans once conn is gone */
};

static int64_t wallclock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *body,
                               enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, POST");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static const char *status_text(unsigned status)
{
    switch (status) {
    case MHD_HTTP_OK:
        return "ok\n";
    case MHD_HTTP_BAD_REQUEST:
        return "invalid payload\n";
    case MHD_HTTP_UNAUTHORIZED:
        return "invalid signature\n";
    case MHD_HTTP_NOT_FOUND:
        return "not found\n";
    case MHD_HTTP_METHOD_NOT_ALLOWED:
        return "method not allowed\n";
    case MHD_HTTP_CONTENT_TOO_LARGE:
        return "payload too large\n";
    default:
        return "temporarily unavailable, retry later\n";
    }
}

/* The statuses a POST/other request can get, in ctx->answers order. */
static const unsigned answer_statuses[] = {
    MHD_HTTP_OK,
    MHD_HTTP_BAD_REQUEST,
    MHD_HTTP_UNAUTHORIZED,
    MHD_HTTP_NOT_FOUND,
    MHD_HTTP_METHOD_NOT_ALLOWED,
    MHD_HTTP_CONTENT_TOO_LARGE,
    MHD_HTTP_SERVICE_UNAVAILABLE,
};
#define N_ANSWERS (sizeof(answer_statuses) / sizeof(answer_statuses[0]))

static struct MHD_Response *build_answer(unsigned status)
{
    const char *body = status_text(status);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return NULL;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") !=
            MHD_YES ||
        (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
         MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, POST") != MHD_YES)) {
        MHD_destroy_response(r);
        return NULL;
    }
    return r;
}

/* Builds every fixed answer once: the hot path then queues a shared response instead of
 * allocating one and its headers per request. Returns -1 when out of memory. */
static int answers_build(struct webhook_ctx *ctx)
{
    _Static_assert(N_ANSWERS <= sizeof(ctx->answers) / sizeof(ctx->answers[0]), "answers");
    for (size_t i = 0; i < N_ANSWERS; i++)
        if (!(ctx->answers[i] = build_answer(answer_statuses[i])))
            return -1;
    return 0;
}

static void answers_free(struct webhook_ctx *ctx)
{
    for (size_t i = 0; i < N_ANSWERS; i++) {
        if (ctx->answers[i])
            MHD_destroy_response(ctx->answers[i]);
        ctx->answers[i] = NULL;
    }
}

static enum MHD_Result respond_status(struct webhook_ctx *ctx, struct MHD_Connection *conn,
                                      unsigned status)
{
    for (size_t i = 0; i < N_ANSWERS; i++)
        if (answer_statuses[i] == status)
            return MHD_queue_response(conn, status, ctx->answers[i]);
    return respond(conn, status, status_text(status), MHD_RESPMEM_PERSISTENT);
}

/* ---- waiting list and lifetime (all *_locked functions run with ctx->lock held) ---------- */

static void list_add_locked(struct webhook_ctx *ctx, struct webhook_request *req)
{
    req->prev = NULL;
    req->next = ctx->waiting;
    if (ctx->waiting)
        ctx->waiting->prev = req;
    ctx->waiting = req;
    ctx->n_waiting++;
}

static void list_remove_locked(struct webhook_ctx *ctx, struct webhook_request *req)
{
    if (req->prev)
        req->prev->next = req->next;
    else
        ctx->waiting = req->next;
    if (req->next)
        req->next->prev = req->prev;
    req->prev = req->next = NULL;
    ctx->n_waiting--;
}

/* Decides a suspended request's answer and queues it on *wake. The caller resumes the queued
 * connections after unlocking (wake_all), so MHD's internal locks are never taken while
 * ctx->lock is held. A queued request cannot be freed before it is resumed: MHD reports a
 * suspended connection finished only after resuming it. */
/* A request answered 503 is redelivered: its pairs must go again with it. */
static void forget_announced(struct webhook_ctx *ctx, struct webhook_request *req)
{
    for (size_t i = 0; i < req->n_announced; i++)
        webhook_numbers_forget(ctx->numbers, req->announced[i].phone_number_id,
                               req->announced[i].waba_id);
    req->n_announced = 0;
}

static void decide_locked(struct webhook_ctx *ctx, struct webhook_request *req,
                          struct webhook_request **wake)
{
    list_remove_locked(ctx, req);
    if (req->failed)
        forget_announced(ctx, req);
    req->status = req->failed ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK;
    req->state = REQ_DECIDED;
    req->wake_next = *wake;
    *wake = req;
}

static void wake_all(struct webhook_request *wake)
{
    while (wake) {
        struct webhook_request *next = wake->wake_next; /* wake may be freed once resumed */
        MHD_resume_connection(wake->conn);
        wake = next;
    }
}

static void orphan_add_locked(struct webhook_ctx *ctx, struct webhook_request *req)
{
    req->orphan_prev = NULL;
    req->orphan_next = ctx->orphans;
    if (ctx->orphans)
        ctx->orphans->orphan_prev = req;
    ctx->orphans = req;
}

static void orphan_remove_locked(struct webhook_ctx *ctx, struct webhook_request *req)
{
    if (req->orphan_prev)
        req->orphan_prev->orphan_next = req->orphan_next;
    else
        ctx->orphans = req->orphan_next;
    if (req->orphan_next)
        req->orphan_next->orphan_prev = req->orphan_prev;
}

/* Returns 1 when nobody refers to req any more and the caller must free it (after unlock). */
static int release_locked(struct webhook_request *req)
{
    return !req->conn_alive && req->outstanding == 0;
}

static void request_free(struct webhook_request *req)
{
    free(req->body);
    free(req);
}

/* Host main thread: one produced message was acknowledged (err == NULL) or failed. */
static void on_delivery(void *opaque, const char *err)
{
    struct webhook_request *req = opaque;
    struct webhook_ctx *ctx = req->ctx;
    struct webhook_request *wake = NULL;
    pthread_mutex_lock(&ctx->lock);
    req->outstanding--;
    if (err)
        req->failed = 1;
    if (req->state == REQ_WAITING && (req->outstanding == 0 || req->failed))
        decide_locked(ctx, req, &wake);
    int dead = release_locked(req);
    if (dead)
        orphan_remove_locked(ctx, req);
    pthread_mutex_unlock(&ctx->lock);
    wake_all(wake);
    if (err)
        ctx->api->counter_add(ctx->m.produce_failures, 1);
    if (dead)
        request_free(req);
}

/* MHD worker: the connection is finished (answered, closed by the peer, or daemon stopping). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct webhook_ctx *ctx = cls;
    struct webhook_request *req = *con_cls;
    if (!req)
        return;
    *con_cls = NULL;
    pthread_mutex_lock(&ctx->lock);
    if (req->state == REQ_WAITING)
        list_remove_locked(ctx, req);
    req->conn_alive = 0;
    int dead = release_locked(req);
    if (!dead)
        orphan_add_locked(ctx, req);
    pthread_mutex_unlock(&ctx->lock);
    if (dead)
        request_free(req);
}

/* ---- GET handshake ------------------------------------------------------------------------ */

static enum MHD_Result handle_verification(struct webhook_ctx *ctx, struct MHD_Connection *conn)
{
    const char *challenge = webhook_verification_answer(
        MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "hub.mode"),
        MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "hub.verify_token"),
        MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "hub.challenge"),
        ctx->verify_token);
    if (!challenge) {
        ctx->api->counter_add(ctx->m.verifications_refused, 1);
        return respond(conn, MHD_HTTP_FORBIDDEN, "forbidden\n", MHD_RESPMEM_PERSISTENT);
    }
    ctx->api->counter_add(ctx->m.verifications_ok, 1);
    return respond(conn, MHD_HTTP_OK, challenge, MHD_RESPMEM_MUST_COPY);
}

/* ---- POST --------------------------------------------------------------------------------- */

/* The declared Content-Length, or -1 when there is none (chunked) or it is not a number. */
static long long declared_length(struct MHD_Connection *conn)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return -1;
    char *end = NULL;
    unsigned long long n = strtoull(cl, &end, 10);
    return end != cl && n <= (unsigned long long)LLONG_MAX ? (long long)n : -1;
}

/* Keeps at most max_body_bytes; past that only remembers that the body was too large. */
static void append_body(struct webhook_request *req, const char *data, size_t n)
{
    size_t max = (size_t)req->ctx->max_body_bytes;
    if (req->too_large || n > max - req->len) {
        req->too_large = 1;
        free(req->body);
        req->body = NULL;
        req->len = req->cap = 0;
        return;
    }
    if (req->len + n > req->cap) {
        size_t cap = req->cap ? req->cap : req->expected;
        while (cap < req->len + n)
            cap *= 2;
        if (cap > max)
            cap = max;
        char *b = realloc(req->body, cap);
        if (!b) {
            req->too_large = 1; /* answered 413; Meta's payloads never get here */
            return;
        }
        req->body = b;
        req->cap = cap;
    }
    memcpy(req->body + req->len, data, n);
    req->len += n;
}

/* Zero adds are skipped: most webhooks carry one kind of item, and each add is an atomic
 * compare-and-swap on a counter the other HTTP workers update too. */
static void count_if(struct webhook_ctx *ctx, herald_counter *c, size_t n)
{
    if (n)
        ctx->api->counter_add(c, (double)n);
}

static void count_parse_stats(struct webhook_ctx *ctx, const struct webhook_parse_stats *s)
{
    count_if(ctx, ctx->m.delivery_events, s->statuses);
    count_if(ctx, ctx->m.replies, s->messages);
    count_if(ctx, ctx->m.limit_updates, s->limit_updates);
    count_if(ctx, ctx->m.template_updates, s->template_updates);
    count_if(ctx, ctx->m.unknown_fields, s->unknown_fields);
    count_if(ctx, ctx->m.unknown_changes, s->unknown_changes);
    count_if(ctx, ctx->m.ignored_items, s->ignored_items);
}

/* Produces every event; answers at once when nothing is left to wait for, else suspends. */
static enum MHD_Result produce_and_wait(struct webhook_ctx *ctx, struct webhook_request *req,
                                        const struct webhook_events *ev)
{
    pthread_mutex_lock(&ctx->lock);
    req->state = REQ_PRODUCING;
    req->outstanding = (int)ev->n;
    pthread_mutex_unlock(&ctx->lock);
    for (size_t i = 0; i < ev->n; i++) {
        const struct webhook_event *e = &ev->items[i];
        if (ctx->api->produce(ctx->host, webhook_topic_name(e->topic), e->key, strlen(e->key),
                              e->payload, strlen(e->payload), NULL, on_delivery, req) != 0) {
            /* No point producing the rest: the request is answered 503 and redelivered. */
            ctx->api->counter_add(ctx->m.produce_failures, 1);
            pthread_mutex_lock(&ctx->lock);
            req->outstanding -= (int)(ev->n - i);
            req->failed = 1;
            pthread_mutex_unlock(&ctx->lock);
            break;
        }
    }
    pthread_mutex_lock(&ctx->lock);
    if (req->outstanding == 0 || req->failed) {
        unsigned status = req->failed ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK;
        if (req->failed)
            forget_announced(ctx, req);
        req->state = REQ_DECIDED;
        pthread_mutex_unlock(&ctx->lock);
        ctx->api->counter_add(status == MHD_HTTP_OK ? ctx->m.accepted : ctx->m.unavailable, 1);
        return respond_status(ctx, req->conn, status);
    }
    req->state = REQ_WAITING;
    req->deadline_ms = ctx->api->now_ms() + ctx->ack_timeout_ms;
    list_add_locked(ctx, req);
    MHD_suspend_connection(req->conn);
    pthread_mutex_unlock(&ctx->lock);
    return MHD_YES;
}

/* The (number, WABA) pairs of this webhook that are due (webhook_numbers.h), as commands after
 * its other events. Returns -1 when out of memory. */
static int add_number_commands(struct webhook_ctx *ctx, struct webhook_request *req,
                               struct webhook_events *ev)
{
    for (size_t i = 0; i < ev->n_numbers; i++) {
        const struct webhook_number *n = &ev->numbers[i];
        if (!webhook_numbers_due(ctx->numbers, n->phone_number_id, n->waba_id, wallclock_ms()))
            continue;
        req->announced[req->n_announced++] = *n;
        char key[16 + WEBHOOK_ID_MAX];
        char *cmd = webhook_number_command(n, key, sizeof(key));
        if (webhook_events_push(ev, WEBHOOK_TOPIC_CAMPAIGN_COMMANDS, key, cmd) != 0)
            return -1;
        ctx->api->counter_add(ctx->m.number_updates, 1);
    }
    return 0;
}

static enum MHD_Result finish_post(struct webhook_ctx *ctx, struct webhook_request *req)
{
    if (req->too_large) {
        ctx->api->counter_add(ctx->m.rejected_oversize, 1);
        return respond_status(ctx, req->conn, MHD_HTTP_CONTENT_TOO_LARGE);
    }
    const char *sig =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Hub-Signature-256");
    if (!webhook_signer_valid(ctx->signer, sig, (const unsigned char *)req->body, req->len)) {
        ctx->api->counter_add(ctx->m.rejected_signature, 1);
        return respond_status(ctx, req->conn, MHD_HTTP_UNAUTHORIZED);
    }
    struct webhook_events ev;
    enum webhook_parse_result rc =
        webhook_payload_parse(req->body ? req->body : "", req->len, wallclock_ms(), &ev);
    free(req->body);
    req->body = NULL;
    req->len = req->cap = 0;
    if (rc != WEBHOOK_PARSE_OK) {
        webhook_events_free(&ev);
        ctx->api->counter_add(ctx->m.rejected_payload, rc == WEBHOOK_PARSE_NO_MEMORY ? 0 : 1);
        return respond_status(ctx, req->conn,
                              rc == WEBHOOK_PARSE_NO_MEMORY ? MHD_HTTP_SERVICE_UNAVAILABLE
                                                            : MHD_HTTP_BAD_REQUEST);
    }
    if (add_number_commands(ctx, req, &ev) != 0) {
        forget_announced(ctx, req);
        webhook_events_free(&ev);
        return respond_status(ctx, req->conn, MHD_HTTP_SERVICE_UNAVAILABLE);
    }
    count_parse_stats(ctx, &ev.stats);
    enum MHD_Result r = produce_and_wait(ctx, req, &ev);
    webhook_events_free(&ev);
    return r;
}

/* First call for a connection: route, handshake, early refusals, then start reading. */
static enum MHD_Result begin_request(struct webhook_ctx *ctx, struct MHD_Connection *conn,
                                     const char *url, const char *method, void **con_cls)
{
    ctx->api->counter_add(ctx->m.requests, 1);
    if (strcmp(url, ctx->path) != 0)
        return respond_status(ctx, conn, MHD_HTTP_NOT_FOUND);
    if (!strcmp(method, MHD_HTTP_METHOD_GET))
        return handle_verification(ctx, conn);
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return respond_status(ctx, conn, MHD_HTTP_METHOD_NOT_ALLOWED);
    if (ctx->api->stopping(ctx->host)) {
        ctx->api->counter_add(ctx->m.unavailable, 1);
        return respond_status(ctx, conn, MHD_HTTP_SERVICE_UNAVAILABLE);
    }
    long long declared = declared_length(conn);
    if (declared > ctx->max_body_bytes) {
        ctx->api->counter_add(ctx->m.rejected_oversize, 1);
        return respond_status(ctx, conn, MHD_HTTP_CONTENT_TOO_LARGE);
    }
    struct webhook_request *req = calloc(1, sizeof(*req));
    if (!req)
        return MHD_NO;
    req->ctx = ctx;
    req->conn = conn;
    req->conn_alive = 1;
    /* one exact allocation for usual webhooks; a large declared body still grows as its bytes
     * arrive, so a client announcing 4 MB and sending nothing does not get 4 MB reserved */
    req->expected = declared <= 0                ? FIRST_ALLOC_DEFAULT
                    : declared > FIRST_ALLOC_MAX ? FIRST_ALLOC_MAX
                                                 : (size_t)declared;
    *con_cls = req;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct webhook_ctx *ctx = cls;
    struct webhook_request *req = *con_cls;
    if (!req)
        return begin_request(ctx, conn, url, method, con_cls);
    if (req->state == REQ_RECEIVING) {
        if (*upload_data_size) {
            append_body(req, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        return finish_post(ctx, req);
    }
    pthread_mutex_lock(&ctx->lock);
    unsigned status = req->state == REQ_DECIDED ? req->status : MHD_HTTP_SERVICE_UNAVAILABLE;
    pthread_mutex_unlock(&ctx->lock);
    ctx->api->counter_add(status == MHD_HTTP_OK ? ctx->m.accepted : ctx->m.unavailable, 1);
    return respond_status(ctx, conn, status);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    struct webhook_ctx *ctx = cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    ctx->api->log(ctx->host, HERALD_LOG_WARN, "libmicrohttpd: %s", line);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

/* What webhook_http_start prepares before the daemon runs; freed after it stopped. */
static void release_prepared(struct webhook_ctx *ctx)
{
    answers_free(ctx);
    webhook_signer_free(ctx->signer);
    ctx->signer = NULL;
    webhook_numbers_free(ctx->numbers);
    ctx->numbers = NULL;
}

int webhook_http_start(struct webhook_ctx *ctx)
{
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char err[300];
    if (http_listen_parse(ctx->listen, &addr, &addr_len, err, sizeof(err)) != 0) {
        ctx->api->log(ctx->host, HERALD_LOG_ERROR, "webhook: %s", err);
        return -1;
    }
    ctx->signer = webhook_signer_new(ctx->app_secret);
    ctx->numbers = webhook_numbers_new(NUMBERS_REMEMBERED, NUMBERS_EVERY_MS);
    if (!ctx->signer || !ctx->numbers || answers_build(ctx) != 0) {
        ctx->api->log(ctx->host, HERALD_LOG_ERROR,
                      "webhook: cannot prepare the HMAC key, the answers or the numbers "
                      "(OpenSSL/memory)");
        release_prepared(ctx);
        return -1;
    }
    /* poll by default: MHD drops a suspended connection from an epoll set and adds it back on
     * resume, two syscalls per POST since every POST waits for its acks (measured: ~15 %
     * fewer requests/s with epoll on 2 cores, docs/gateway.md) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG |
                     (strcmp(ctx->event_loop, "epoll") == 0 ? MHD_USE_EPOLL : MHD_USE_POLL);
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    ctx->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, ctx, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, ctx,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)ctx->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)ctx->connection_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)ctx->per_ip_connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)ctx->connection_timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, ctx, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
        MHD_OPTION_END);
    if (!ctx->daemon) {
        ctx->api->log(ctx->host, HERALD_LOG_ERROR, "webhook: cannot listen on %s", ctx->listen);
        release_prepared(ctx);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(ctx->daemon, MHD_DAEMON_INFO_BIND_PORT);
    ctx->api->log(ctx->host, HERALD_LOG_INFO,
                  "webhook: listening on %s (port %u) path %s, %lld threads (%s), body limit %lld",
                  ctx->listen, info ? (unsigned)info->port : 0u, ctx->path, (long long)ctx->threads,
                  ctx->event_loop, (long long)ctx->max_body_bytes);
    return 0;
}

void webhook_http_expire(struct webhook_ctx *ctx, int64_t now_ms)
{
    int64_t expired = 0;
    struct webhook_request *wake = NULL;
    pthread_mutex_lock(&ctx->lock);
    struct webhook_request *req = ctx->waiting;
    while (req) {
        struct webhook_request *next = req->next;
        if (now_ms >= req->deadline_ms) {
            req->failed = 1;
            decide_locked(ctx, req, &wake);
            expired++;
        }
        req = next;
    }
    int64_t waiting = ctx->n_waiting;
    pthread_mutex_unlock(&ctx->lock);
    wake_all(wake);
    if (expired) {
        ctx->api->counter_add(ctx->m.ack_timeouts, (double)expired);
        ctx->api->log(ctx->host, HERALD_LOG_WARN,
                      "webhook: %lld request(s) not acknowledged by Kafka within %lld ms, "
                      "answering 503",
                      (long long)expired, (long long)ctx->ack_timeout_ms);
    }
    ctx->api->gauge_set(ctx->m.waiting_requests, (double)waiting);
}

int64_t webhook_http_waiting(struct webhook_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    int64_t n = ctx->n_waiting;
    pthread_mutex_unlock(&ctx->lock);
    return n;
}

void webhook_http_stop(struct webhook_ctx *ctx)
{
    if (!ctx->daemon)
        return;
    struct webhook_request *wake = NULL;
    pthread_mutex_lock(&ctx->lock);
    while (ctx->waiting) {
        ctx->waiting->failed = 1;
        decide_locked(ctx, ctx->waiting, &wake);
    }
    pthread_mutex_unlock(&ctx->lock);
    wake_all(wake);
    MHD_stop_daemon(ctx->daemon);
    ctx->daemon = NULL;
    release_prepared(ctx);
    /* The host flushed the producer before cb_exit; callbacks still owed now will never come
     * (and could not: the plugin is unloaded next). */
    while (ctx->orphans) {
        struct webhook_request *req = ctx->orphans;
        ctx->orphans = req->orphan_next;
        request_free(req);
    }
}
