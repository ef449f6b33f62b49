/*
 * Maps (method, path) to a handler. Knows nothing about libmicrohttpd: the server hands it a
 * plain request and receives a plain reply, so routing stays testable and the server file
 * stays about connections only.
 */
#ifndef MOCK_ROUTER_H
#define MOCK_ROUTER_H

#include "mock_app.h"

typedef struct mock_http_request {
    const char *method;
    const char *path;
    const char *authorization; /* may be NULL */
    const char *body;
    size_t body_len;
    /* Query string lookup (NULL when absent). */
    const char *(*query)(void *ctx, const char *key);
    void *query_ctx;
} mock_http_request_t;

void mock_router_handle(mock_app_t *app, const mock_http_request_t *req, mock_http_reply_t *reply);

#endif
