/*
 * The HTTP side: a libmicrohttpd daemon (internal epoll, thread pool) that collects request
 * bodies, hands complete requests to the router and queues the answers — immediately, after
 * an injected latency, or never (injected timeout) by suspending the connection and letting
 * the delay scheduler resume it. Handlers stay short; no logging per request.
 */
#ifndef MOCK_SERVER_H
#define MOCK_SERVER_H

#include "mock_app.h"

typedef struct mock_server mock_server_t;

/* Listens on "host:port" (port 0 = ephemeral). NULL with a message on stderr on failure. */
mock_server_t *mock_server_start(mock_app_t *app, const char *listen, unsigned threads);

/* The port actually bound. */
unsigned mock_server_port(const mock_server_t *s);

/* Answers or closes every held connection, then stops the daemon. */
void mock_server_stop(mock_server_t *s);

#endif
