/*
 * Routing table of the mock (see mock_router.h).
 *   POST /{version}/{phone_number_id}/messages   send (Cloud API shape)
 *   GET  /healthz  GET /metrics
 *   GET  /mock/sends?since=N&limit=M  GET /mock/stats  GET|POST /mock/config  POST /mock/reset
 */
#include "mock_router.h"

#include "mock_admin_handlers.h"
#include "mock_error.h"
#include "mock_send_handler.h"

#include <stdio.h>
#include <string.h>

#define MAX_SEGMENT 128

/* Splits "/a/b/c" into at most 4 segments; returns the count, or -1 when too long. */
static int split_path(const char *path, char seg[4][MAX_SEGMENT])
{
    int n = 0;
    const char *p = path;
    while (*p == '/')
        p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (n == 4 || len >= MAX_SEGMENT)
            return -1;
        memcpy(seg[n], p, len);
        seg[n++][len] = '\0';
        p += len;
        while (*p == '/')
            p++;
    }
    return n;
}

static void not_found(mock_http_reply_t *reply, const char *method, const char *path)
{
    mock_error_t err;
    char trace[12];
    mock_error_set(&err, 404, 100, "Unsupported %s request to %.200s", method, path);
    mock_error_fbtrace_id(trace);
    mock_reply_set(reply, 404, mock_error_json(&err, trace));
}

static int is(const mock_http_request_t *req, const char *method, const char *path)
{
    return strcmp(req->method, method) == 0 && strcmp(req->path, path) == 0;
}

static int route_admin(mock_app_t *app, const mock_http_request_t *req, mock_http_reply_t *reply)
{
    if (is(req, "GET", "/healthz"))
        mock_admin_healthz(app, reply);
    else if (is(req, "GET", "/metrics"))
        mock_admin_metrics(app, reply);
    else if (is(req, "GET", "/mock/sends"))
        mock_admin_sends(app, req->query(req->query_ctx, "since"),
                         req->query(req->query_ctx, "limit"), reply);
    else if (is(req, "GET", "/mock/stats"))
        mock_admin_stats(app, reply);
    else if (is(req, "GET", "/mock/config"))
        mock_admin_get_config(app, reply);
    else if (is(req, "POST", "/mock/config"))
        mock_admin_set_config(app, req->body, req->body_len, reply);
    else if (is(req, "POST", "/mock/reset"))
        mock_admin_reset(app, reply);
    else if (is(req, "POST", "/mock/announce"))
        mock_admin_announce(app, req->body, req->body_len, reply);
    else
        return 0;
    return 1;
}

void mock_router_handle(mock_app_t *app, const mock_http_request_t *req, mock_http_reply_t *reply)
{
    if (route_admin(app, req, reply))
        return;
    char seg[4][MAX_SEGMENT];
    int n = split_path(req->path, seg);
    if (n == 3 && strcmp(seg[2], "messages") == 0 && strcmp(req->method, "POST") == 0) {
        mock_send_handle(app, seg[0], seg[1], req->authorization, req->body, req->body_len, reply);
        return;
    }
    not_found(reply, req->method, req->path);
}
