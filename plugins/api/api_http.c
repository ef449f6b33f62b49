/*
 * api_http.c - the control API's HTTP server: authentication, routing, bounded bodies, JSON
 * replies, static dashboard files.
 *
 * Why it is shaped like this: every /api call is checked for the bearer token before its body
 * is read; unknown paths and wrong methods are refused from the path alone; bodies are
 * bounded (413 without buffering past the limit). One connection = one MHD thread, so
 * handlers may block on the database pool, on a Kafka acknowledgement or on the progress hub.
 * Everything outside /api is a static file from static_dir (the dashboard).
 */
#include "api_error.h"
#include "api_internal.h"
#include "api_progress_hub.h"
#include "api_static_path.h"
#include <herald/http_listen.h>

#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct api_conn {
    struct api_route route;
    char *body;
    size_t len;
    size_t cap;
    size_t limit;
    int too_large;
};

/* ---- replies ------------------------------------------------------------------------------ */

/* JSON text from PostgreSQL (json_build_object spaces it out) is re-serialised compactly so
 * every reply looks the same. */
void api_reply_text(struct api_reply *r, unsigned status, const char *json_text)
{
    json_t *j = json_text ? json_loads(json_text, JSON_DECODE_ANY, NULL) : NULL;
    if (j) {
        api_reply_json(r, status, j);
        return;
    }
    free(r->body);
    r->status = status;
    r->body = json_text ? strdup(json_text) : NULL;
}

void api_reply_json(struct api_reply *r, unsigned status, json_t *body)
{
    free(r->body);
    r->status = status;
    r->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
}

void api_reply_error(struct api_reply *r, unsigned status, const char *field, const char *fmt, ...)
{
    char message[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    free(r->body);
    r->status = status;
    r->body = api_error_json(status, message, field);
}

static enum MHD_Result send_body(struct api_ctx *ctx, struct MHD_Connection *conn, unsigned status,
                                 char *body, const char *allow)
{
    static const char fallback[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of "
                                   "memory\"}}";
    struct MHD_Response *resp =
        body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(sizeof(fallback) - 1, (void *)fallback,
                                               MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    if (!body)
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (status >= 500)
        ctx->api->counter_add(ctx->m.errors_5xx, 1);
    else if (status >= 400)
        ctx->api->counter_add(ctx->m.errors_4xx, 1);
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result send_error(struct api_ctx *ctx, struct MHD_Connection *conn, unsigned status,
                                  const char *message, const char *allow)
{
    return send_body(ctx, conn, status, api_error_json(status, message, NULL), allow);
}

json_t *api_call_json(const struct api_call *call, struct api_reply *r, int empty_ok)
{
    size_t n = call->body_len;
    while (n && strchr(" \t\r\n", call->body[n - 1]))
        n--;
    if (n == 0 && empty_ok)
        return json_object();
    json_error_t jerr;
    json_t *j = n ? json_loadb(call->body, call->body_len, 0, &jerr) : NULL;
    if (!j) {
        api_reply_error(r, 400, "", "body is not valid JSON%s%s", n ? ": " : "",
                        n ? jerr.text : "");
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        api_reply_error(r, 400, "", "body must be a JSON object");
        return NULL;
    }
    return j;
}

const char *api_call_query(const struct api_call *call, const char *name)
{
    return MHD_lookup_connection_value(call->conn, MHD_GET_ARGUMENT_KIND, name);
}

int api_query_int(const char *s, int def, int max, int *out)
{
    if (!s) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* ---- static files ------------------------------------------------------------------------- */

static int open_inside_root(const char *root, const char *rel, struct stat *st)
{
    char full[PATH_MAX], real[PATH_MAX];
    if (snprintf(full, sizeof(full), "%s/%s", root, rel) >= (int)sizeof(full))
        return -1;
    if (!realpath(full, real))
        return -1;
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/')
        return -1; /* a symlink pointing outside the folder */
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

static enum MHD_Result serve_static(struct api_ctx *ctx, struct MHD_Connection *conn,
                                    const char *url, const char *method)
{
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return send_error(ctx, conn, 405, "static files are read with GET", "GET, HEAD");
    char rel[1024];
    if (!ctx->static_root || api_static_path(url, rel, sizeof(rel)) != 0)
        return send_error(ctx, conn, 404, "not found", NULL);
    struct stat st;
    int fd = open_inside_root(ctx->static_root, rel, &st);
    if (fd < 0 && !strchr(strrchr(url, '/'), '.')) {
        /* client-side routes of the dashboard ("/campaigns/42") get its index.html */
        strcpy(rel, "index.html");
        fd = open_inside_root(ctx->static_root, rel, &st);
    }
    if (fd < 0)
        return send_error(ctx, conn, 404, "not found", NULL);
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, api_static_content_type(rel));
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* The dashboard loads only its own files and talks only to this server; a policy that
     * says so limits what an injected string could ever do in the operator's browser. */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- /api dispatch ------------------------------------------------------------------------ */

typedef void (*api_handler)(const struct api_call *, struct api_reply *);

static api_handler handler_for(enum api_op op)
{
    switch (op) {
    case API_OP_CAMPAIGN_CREATE:
        return api_handle_campaign_create;
    case API_OP_CAMPAIGN_LIST:
        return api_handle_campaign_list;
    case API_OP_CAMPAIGN_GET:
        return api_handle_campaign_get;
    case API_OP_CAMPAIGN_UPDATE:
        return api_handle_campaign_update;
    case API_OP_CAMPAIGN_COMMAND:
        return api_handle_campaign_command;
    case API_OP_CAMPAIGN_PROGRESS:
        return api_handle_campaign_progress;
    case API_OP_COMMAND_GET:
        return api_handle_command_get;
    case API_OP_CONTACTS_IMPORT:
        return api_handle_contacts_import;
    case API_OP_LIST_LIST:
        return api_handle_list_list;
    case API_OP_LIST_CREATE:
        return api_handle_list_create;
    case API_OP_SEGMENT_PREVIEW:
        return api_handle_segment_preview;
    case API_OP_CONTACTS_OPT_OUT:
        return api_handle_contacts_opt_out;
    case API_OP_CONTACTS_OPT_IN:
        return api_handle_contacts_opt_in;
    case API_OP_CAMPAIGN_RECIPIENTS:
        return api_handle_campaign_recipients;
    case API_OP_CAMPAIGN_REPLIES:
        return api_handle_campaign_replies;
    case API_OP_CONTACT_SHOW:
        return api_handle_contact_show;
    case API_OP_CONTACTS_ERASE:
        return api_handle_contacts_erase;
    case API_OP_MESSAGING_LIMIT_GET:
        return api_handle_messaging_limit_get;
    case API_OP_MESSAGING_LIMIT_SET:
        return api_handle_messaging_limit_set;
    default:
        return NULL;
    }
}

static enum MHD_Result dispatch(struct api_ctx *ctx, struct MHD_Connection *conn,
                                struct api_conn *ac)
{
    if (ac->too_large)
        return send_error(ctx, conn, 413, "request body too large", NULL);
    struct api_call call = {ctx, conn, &ac->route, ac->body ? ac->body : "", ac->len};
    struct api_reply reply = {0};
    if (ac->route.op == API_OP_CAMPAIGN_STREAM) {
        /* 404 for unknown campaigns first: reuse the progress handler's existence check */
        api_handle_campaign_progress(&call, &reply);
        if (reply.status != 200 && reply.status != 503)
            return send_body(ctx, conn, reply.status, reply.body, NULL);
        free(reply.body);
        if (api_stream_progress(ctx, conn, ac->route.campaign_id) == 0)
            return MHD_YES;
        return send_error(ctx, conn, 503, "cannot open the progress stream", NULL);
    }
    api_handler h = handler_for(ac->route.op);
    if (!h)
        return send_error(ctx, conn, 404, "not found", NULL);
    h(&call, &reply);
    if (reply.stream) {
        enum MHD_Result rc = MHD_queue_response(conn, reply.status, reply.stream);
        MHD_destroy_response(reply.stream);
        return rc;
    }
    return send_body(ctx, conn, reply.status ? reply.status : 500, reply.body, NULL);
}

static void append_body(struct api_conn *ac, const char *data, size_t n)
{
    if (ac->too_large || n > ac->limit - ac->len) {
        ac->too_large = 1;
        free(ac->body);
        ac->body = NULL;
        ac->len = ac->cap = 0;
        return;
    }
    if (ac->len + n + 1 > ac->cap) {
        size_t cap = ac->cap ? ac->cap : 4096;
        while (cap < ac->len + n + 1)
            cap *= 2;
        char *b = realloc(ac->body, cap);
        if (!b) {
            ac->too_large = 1;
            return;
        }
        ac->body = b;
        ac->cap = cap;
    }
    memcpy(ac->body + ac->len, data, n);
    ac->len += n;
    ac->body[ac->len] = '\0';
}

static int declared_length_over(struct MHD_Connection *conn, size_t limit)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end = NULL;
    return cl && strtoull(cl, &end, 10) > limit && end != cl;
}

static enum MHD_Result begin_api(struct api_ctx *ctx, struct MHD_Connection *conn, const char *url,
                                 const char *method, void **con_cls)
{
    const char *authz =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!api_auth_check(&ctx->auth, authz)) {
        ctx->api->counter_add(ctx->m.unauthorized, 1);
        return send_error(ctx, conn, 401, "missing or wrong bearer token", NULL);
    }
    struct api_conn *ac = calloc(1, sizeof(*ac));
    if (!ac)
        return MHD_NO;
    enum api_route_result rr = api_route_parse(method, url, &ac->route);
    if (rr != API_ROUTE_OK) {
        const char *allow = ac->route.allow;
        free(ac);
        return send_error(ctx, conn, rr,
                          rr == API_ROUTE_METHOD_NOT_ALLOWED ? "method not allowed here"
                                                             : "no such API resource",
                          rr == API_ROUTE_METHOD_NOT_ALLOWED ? allow : NULL);
    }
    ac->limit = (size_t)(ac->route.op == API_OP_CONTACTS_IMPORT ? ctx->import_max_bytes
                                                                : ctx->max_body_bytes);
    if (declared_length_over(conn, ac->limit)) {
        free(ac);
        return send_error(ctx, conn, 413, "request body too large", NULL);
    }
    *con_cls = ac;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct api_ctx *ctx = cls;
    struct api_conn *ac = *con_cls;
    if (!ac) {
        ctx->api->counter_add(ctx->m.requests, 1);
        if (!api_route_is_api(url))
            return serve_static(ctx, conn, url, method);
        return begin_api(ctx, conn, url, method, con_cls);
    }
    if (*upload_data_size) {
        append_body(ac, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(ctx, conn, ac);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct api_conn *ac = *con_cls;
    if (!ac)
        return;
    free(ac->body);
    free(ac);
    *con_cls = NULL;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    struct api_ctx *ctx = cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    ctx->api->log(ctx->host, HERALD_LOG_WARN, "libmicrohttpd: %s", line);
}

int api_http_start(struct api_ctx *ctx)
{
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char err[300];
    if (http_listen_parse(ctx->listen, &addr, &addr_len, err, sizeof(err)) != 0) {
        ctx->api->log(ctx->host, HERALD_LOG_ERROR, "api: %s", err);
        return -1;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    ctx->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, ctx, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, ctx,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)ctx->connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)ctx->per_ip_connection_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)ctx->connection_timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, ctx,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
    if (!ctx->daemon) {
        ctx->api->log(ctx->host, HERALD_LOG_ERROR, "api: cannot listen on %s", ctx->listen);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(ctx->daemon, MHD_DAEMON_INFO_BIND_PORT);
    ctx->api->log(ctx->host, HERALD_LOG_INFO, "api: listening on %s (port %u), static files %s",
                  ctx->listen, info ? (unsigned)info->port : 0u,
                  ctx->static_root ? ctx->static_root : "disabled");
    return 0;
}

void api_http_stop(struct api_ctx *ctx)
{
    if (!ctx->daemon)
        return;
    MHD_stop_daemon(ctx->daemon);
    ctx->daemon = NULL;
}
