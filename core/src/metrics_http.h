/*
 * metrics_http.h - the per-stage HTTP endpoint: GET /metrics and GET /healthz.
 *
 * Why its own thread (libmicrohttpd internal polling): scrapes and health checks must be
 * answered even while the main loop is busy in a long plugin batch.
 */
#ifndef HERALD_METRICS_HTTP_H
#define HERALD_METRICS_HTTP_H

#include <sys/socket.h>

#include "stage.h"

/* Parses stage.metrics_listen without binding (also what --dry-run checks). Returns 0 and
 * the address, or -1 with "stage.metrics_listen: <why>" in err. */
int metrics_http_parse_listen(const char *listen, struct sockaddr_storage *sa, socklen_t *sa_len,
                              char *err, size_t errlen);

/* Binds host:port (port 0 = ephemeral). Returns 0 and the bound port, or -1 with err. */
int metrics_http_start(struct stage *s, const char *listen, int *bound_port, char *err,
                       size_t errlen);
void metrics_http_stop(void);

#endif
