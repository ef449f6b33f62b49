/*
 * dispatcher_http.h - many concurrent POSTs on kept-alive connections with libcurl multi,
 * driven from the host's main thread without blocking it.
 *
 * Why no thread: every outcome updates PostgreSQL and produces to Kafka through host calls
 * that belong to the main thread; driving curl_multi from cb_tick with a small poll budget
 * keeps all of that single-threaded and lock-free.
 */
#ifndef HERALD_DISPATCHER_HTTP_H
#define HERALD_DISPATCHER_HTTP_H

#include <stddef.h>

struct disp_http;

struct disp_http_result {
    int curl_code;    /* CURLcode */
    long status;      /* HTTP status, 0 when none */
    int request_sent; /* libcurl wrote request bytes (CURLINFO_REQUEST_SIZE > 0) */
    const char *body; /* response body (bounded), NUL-terminated; valid during the callback */
    size_t body_len;
    const char *error; /* libcurl's error text, "" when none */
};

typedef void (*disp_http_cb)(void *user, void *opaque, const struct disp_http_result *r);

struct disp_http_config {
    const char *access_token;
    long timeout_ms;
    long connect_timeout_ms;
    long max_connections;
};

/* Returns NULL after writing the reason into err. */
struct disp_http *disp_http_new(const struct disp_http_config *cfg, char *err, size_t errlen);
/* Starts a POST; the body is copied. `opaque` comes back in the callback. 0 or -1. */
int disp_http_post(struct disp_http *h, const char *url, const char *body, void *opaque);
/* Waits up to wait_ms for socket activity (0 = just look), advances every transfer and calls
 * cb for each finished one. */
void disp_http_run(struct disp_http *h, int wait_ms, disp_http_cb cb, void *user);
/* Drives transfers until every started request has been written (connect included) or
 * max_ms passed; completions found on the way are reported through cb. */
void disp_http_push(struct disp_http *h, int max_ms, disp_http_cb cb, void *user);
int disp_http_in_flight(const struct disp_http *h);
/* Aborts whatever is still running (no callbacks) and frees everything. */
void disp_http_free(struct disp_http *h);

#endif
