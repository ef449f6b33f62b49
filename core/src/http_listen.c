/*
 * http_listen.c - "host:port" -> sockaddr (see herald/http_listen.h for the rules).
 */
#include "herald/http_listen.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first IPv4 address of the list, else its first address. */
static const struct addrinfo *preferred(const struct addrinfo *res)
{
    for (const struct addrinfo *a = res; a; a = a->ai_next)
        if (a->ai_family == AF_INET)
            return a;
    return res;
}

int http_listen_parse(const char *listen, struct sockaddr_storage *addr, socklen_t *len, char *err,
                      size_t errlen)
{
    char host[256];
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    if (!colon || (size_t)(colon - listen) >= sizeof(host)) {
        snprintf(err, errlen, "listen address must be host:port, got \"%s\"", listen ? listen : "");
        return -1;
    }
    const char *h = listen;
    size_t hlen = (size_t)(colon - listen);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "bad port in listen address \"%s\"", listen);
        return -1;
    }
    int any = host[0] == '\0' || strcmp(host, "*") == 0;
    struct addrinfo hints = {
        .ai_family = any ? AF_INET : AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(any ? NULL : host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "cannot resolve \"%s\": %s", host, gai_strerror(rc));
        return -1;
    }
    const struct addrinfo *a = preferred(res);
    memcpy(addr, a->ai_addr, a->ai_addrlen);
    *len = a->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}
