/*
 * api_static_path.c - safe URL -> relative file path (see the header for why).
 */
#include "api_static_path.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int segment_ok(const char *seg, size_t n)
{
    if (n == 0)
        return 1; /* "//" collapses */
    if (seg[0] == '.')
        return 0; /* ".", "..", ".git", ".env" */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)seg[i];
        if (c < 0x20 || c == 0x7f || c == '\\' || c == ':')
            return 0;
    }
    return 1;
}

int api_static_path(const char *url, char *out, size_t outlen)
{
    if (!url || url[0] != '/' || outlen == 0)
        return -1;
    size_t len = 0;
    const char *p = url + 1;
    while (1) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (!segment_ok(p, n))
            return -1;
        if (n) {
            if (len + n + 2 > outlen)
                return -1;
            if (len)
                out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
        }
        if (!end)
            break;
        p = end + 1;
    }
    out[len] = '\0';
    size_t ulen = strlen(url);
    if (url[ulen - 1] == '/') {
        int w = snprintf(out + len, outlen - len, "%sindex.html", len ? "/" : "");
        if (w < 0 || (size_t)w >= outlen - len)
            return -1;
    }
    return 0;
}

const char *api_static_content_type(const char *path)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (!strcasecmp(dot, types[i][0]))
                return types[i][1];
    return "application/octet-stream";
}
