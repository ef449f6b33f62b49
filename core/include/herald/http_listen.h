/*
 * http_listen.h - turns a "host:port" setting into a socket address for libmicrohttpd.
 *
 * Why: every HTTP server Herald runs (the stage's /metrics, the webhook, the control API, the
 * mock Cloud API) takes its bind address in the same "127.0.0.1:8080" / "[::1]:8080" /
 * "*:9100" form; one parser keeps the rules identical. A static library like
 * herald/text_buffer.h, not part of the host ABI.
 *
 * Rules: the host is a numeric IPv4/IPv6 address (IPv6 in brackets) or a name; "" and "*"
 * mean every IPv4 interface; a name with both kinds of address binds its IPv4 one (clients
 * configured with "localhost" mostly dial 127.0.0.1). The port is 0-65535, 0 = ephemeral.
 */
#ifndef HERALD_HTTP_LISTEN_H
#define HERALD_HTTP_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

/* Returns 0 and fills addr/len, or -1 with a short reason in err. */
int http_listen_parse(const char *listen, struct sockaddr_storage *addr, socklen_t *len, char *err,
                      size_t errlen);

#endif
