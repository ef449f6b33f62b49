/*
 * http_listen.h - turns a "host:port" config string into a socket address for libmicrohttpd.
 *
 * Why: both HTTP plugins of the gateway (webhook, control api) take their bind address from
 * the config file in the same "127.0.0.1:8080" / "[::1]:8080" form; one parser, compiled into
 * both, keeps the rules identical.
 */
#ifndef HERALD_HTTP_LISTEN_H
#define HERALD_HTTP_LISTEN_H

#include <sys/socket.h>

/* Resolves `listen` (numeric host or name, port 0-65535). Returns 0 and fills addr/len, or -1
 * with a short reason in err. */
int http_listen_parse(const char *listen, struct sockaddr_storage *addr, socklen_t *len, char *err,
                      size_t errlen);

#endif
