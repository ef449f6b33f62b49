/*
 * libmicrohttpd glue (see mock_server.h).
 *
 * Life of a request: first call allocates request_t; upload calls append the body (bounded);
 * the final call routes it. A reply with a delay suspends the connection; the delay
 * scheduler resumes it and MHD calls us once more, when we queue the answer or (timeout
 * fault) return MHD_NO so MHD closes the connection without answering.
 */
#include "mock_server.h"

#include "mock_clock.h"
#include "mock_delay_scheduler.h"
#include "mock_router.h"

#include <herald/http_listen.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY (3 * 1024 * 1024)

#if MHD_VERSION < 0x00097002
typedef int MHD_Result_t;
#else
typedef enum MHD_Result MHD_Result_t;
#endif

typedef enum { PHASE_RECEIVING, PHASE_HELD, PHASE_RESUMED } phase_t;

typedef struct request {
    char *body;
    size_t len, cap;
    int too_large;
    phase_t phase;
    mock_http_reply_t reply;
    struct MHD_Connection *conn;
} request_t;

struct mock_server {
    mock_app_t *app;
    struct MHD_Daemon *daemon;
    mock_delay_scheduler_t *delays;
    unsigned port;
};

static int append_body(request_t *r, const char *data, size_t n)
{
    if (r->too_large || r->len + n > MAX_BODY) {
        r->too_large = 1;
        return 0;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b)
            return -1;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return 0;
}

static MHD_Result_t queue_reply(struct MHD_Connection *conn, mock_http_reply_t *reply)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        reply->body_len, reply->body ? reply->body : (char *)"",
        reply->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    reply->body = NULL; /* MHD owns it now */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            reply->content_type ? reply->content_type : "application/json");
    MHD_Result_t rc = MHD_queue_response(conn, (unsigned)reply->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void resume_held(void *arg)
{
    request_t *r = arg;
    r->phase = PHASE_RESUMED;
    MHD_resume_connection(r->conn);
}

static const char *query_value(void *ctx, const char *key)
{
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static void route(mock_server_t *s, struct MHD_Connection *conn, const char *url,
                  const char *method, request_t *r)
{
    if (r->too_large) {
        mock_reply_json(&r->reply, 413,
                        json_pack("{s:{s:s,s:s,s:i}}", "error", "message",
                                  "(#100) Request body too large", "type", "OAuthException", "code",
                                  100));
        return;
    }
    mock_http_request_t req = {
        .method = method,
        .path = url,
        .authorization =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .body = r->body ? r->body : "",
        .body_len = r->len,
        .query = query_value,
        .query_ctx = conn,
    };
    mock_router_handle(s->app, &req, &r->reply);
}

static MHD_Result_t on_request(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    mock_server_t *s = cls;
    request_t *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->conn = conn;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (append_body(r, upload, *upload_size))
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->phase == PHASE_RESUMED)
        return r->reply.action == MOCK_REPLY_HANG ? MHD_NO : queue_reply(conn, &r->reply);
    route(s, conn, url, method, r);
    if (r->reply.action == MOCK_REPLY_HANG && r->reply.delay_ms <= 0)
        return MHD_NO; /* "close the connection" flavour of a timeout */
    if (r->reply.delay_ms <= 0)
        return queue_reply(conn, &r->reply);
    r->phase = PHASE_HELD;
    MHD_suspend_connection(conn);
    mock_delay_scheduler_add(s->delays, mock_mono_ms() + r->reply.delay_ms, resume_held, r);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    request_t *r = *con_cls;
    if (!r)
        return;
    free(r->body);
    free(r->reply.body);
    free(r);
    *con_cls = NULL;
}

/* MHD's own diagnostics, minus the line it prints for every injected timeout (MHD_NO). */
static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    if (strstr(line, "Application reported internal error"))
        return;
    fprintf(stderr, "herald-mock-cloud-api: libmicrohttpd: %s", line);
}

mock_server_t *mock_server_start(mock_app_t *app, const char *listen, unsigned threads)
{
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char why[200];
    if (http_listen_parse(listen, &addr, &addr_len, why, sizeof why) != 0) {
        fprintf(stderr, "herald-mock-cloud-api: bad --listen: %s\n", why);
        return NULL;
    }
    mock_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->app = app;
    s->delays = mock_delay_scheduler_start();
    /* poll(), not epoll: with epoll, libmicrohttpd 0.9.75 left requests unread in their sockets
     * for seconds under the dispatcher's limit-off load (epoll_wait with its 300 s timeout while
     * 60 KB of requests sat in the receive queues; seen with --threads 1, 2026-11-27). poll()
     * costs the mock ~2.5 µs more per request at 128 connections. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->daemon =
        MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, log_mhd,
                         s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 20000u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 300u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->daemon || !s->delays) {
        fprintf(stderr, "herald-mock-cloud-api: cannot listen on %s\n", listen);
        mock_server_stop(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    return s;
}

unsigned mock_server_port(const mock_server_t *s)
{
    return s->port;
}

void mock_server_stop(mock_server_t *s)
{
    if (!s)
        return;
    /* Release held connections first: MHD cannot stop while connections are suspended. */
    mock_delay_scheduler_stop(s->delays);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    mock_delay_scheduler_free(s->delays);
    free(s);
}
