/*
 * metrics_http.c - /metrics (Prometheus text) and /healthz (JSON) (see header).
 *
 * /healthz is 200 {"status":"ok",...} while the main loop runs and the last probes found
 * Kafka and PostgreSQL reachable (health_probe.c); otherwise 503 with the same fields, so a
 * test or an orchestrator can wait for "ready" and see why not.
 */
#include "metrics_http.h"
#include "herald/http_listen.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

static struct MHD_Daemon *daemon_handle;

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code, const char *type,
                               char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result healthz(struct stage *s, struct MHD_Connection *c)
{
    int stopping = atomic_load(&s->stopping);
    int running = atomic_load(&s->running) && !stopping;
    int kafka = atomic_load(&s->kafka_ok), pg = atomic_load(&s->pg_ok);
    int ok = running && kafka && pg;
    const char *status = ok ? "ok" : running ? "degraded" : stopping ? "stopping" : "starting";
    json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:b, s:I}", "status", status, "stage", s->cfg->name,
                          "running", running, "kafka", kafka, "postgres", pg, "in_flight",
                          (json_int_t)metric_get(s->m.in_flight));
    char *body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!body)
        return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", strdup("oom\n"));
    return respond(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "application/json", body);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    struct stage *s = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", strdup("GET only\n"));
    if (strcmp(url, "/metrics") == 0) {
        char *text = metrics_render(s->metrics);
        if (!text)
            return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", strdup("oom\n"));
        return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4", text);
    }
    if (strcmp(url, "/healthz") == 0)
        return healthz(s, c);
    return respond(c, MHD_HTTP_NOT_FOUND, "text/plain", strdup("try /metrics or /healthz\n"));
}

int metrics_http_parse_listen(const char *listen, struct sockaddr_storage *sa, socklen_t *sa_len,
                              char *err, size_t errlen)
{
    char why[200];
    if (http_listen_parse(listen, sa, sa_len, why, sizeof why) != 0) {
        snprintf(err, errlen, "stage.metrics_listen: %s", why);
        return -1;
    }
    return 0;
}

int metrics_http_start(struct stage *s, const char *listen, int *bound_port, char *err,
                       size_t errlen)
{
    struct sockaddr_storage sa;
    socklen_t sa_len;
    if (metrics_http_parse_listen(listen, &sa, &sa_len, err, errlen) != 0)
        return -1;
    /* MHD_USE_AUTO: epoll, not select(). A stage can hold thousands of sockets (a dispatcher
     * with 2,048 API connections), and select() cannot watch a descriptor above 1,023: every
     * scrape of such a stage was reset. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    daemon_handle = MHD_start_daemon(flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, &sa,
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!daemon_handle) {
        snprintf(err, errlen,
                 "stage.metrics_listen: cannot listen on %s (port in use? set another port or "
                 "0 for an ephemeral one)",
                 listen);
        return -1;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(daemon_handle, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = info ? (int)info->port : 0;
    return 0;
}

void metrics_http_stop(void)
{
    if (daemon_handle)
        MHD_stop_daemon(daemon_handle);
    daemon_handle = NULL;
}
