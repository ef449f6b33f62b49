/*
 * api_static_path.h - maps a request path to a file path inside the dashboard folder.
 *
 * Why: the gateway serves the dashboard's static files from a configured folder; a path like
 * "/../../etc/passwd" or "/%2e%2e/" (already decoded by MHD) must never escape it. This pure
 * check rejects every ".." segment, backslashes, control characters and hidden files; the
 * server additionally confirms with realpath() that the opened file is inside the folder.
 */
#ifndef HERALD_API_STATIC_PATH_H
#define HERALD_API_STATIC_PATH_H

#include <stddef.h>

/* Writes the relative file path ("index.html", "js/app.js") for URL path `url` into out.
 * "/" and paths ending in '/' map to their index.html. Returns 0, or -1 when the path is not
 * acceptable or does not fit. */
int api_static_path(const char *url, char *out, size_t outlen);

/* Content-Type for a file name by extension; "application/octet-stream" when unknown. */
const char *api_static_content_type(const char *path);

#endif
