/*
 * api_progress_stream.c - GET /api/campaigns/{id}/progress/stream as Server-Sent Events.
 *
 * Why: the dashboard shows a running campaign live. Each connection has its own MHD thread
 * (thread-per-connection), so the content reader may block on the progress hub until the next
 * snapshot; the hub's single poller does all database work. Every event is
 *     id: <version>\ndata: <campaign_progress row as JSON>\n\n
 * (default "message" event, so EventSource.onmessage sees it), a comment line keeps idle
 * connections (and proxies) alive, and the stream ends when the stage shuts down.
 */
#include "api_internal.h"
#include "api_progress_hub.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_SLICE_MS 1000

struct sse_stream {
    struct api_ctx *ctx;
    int64_t campaign_id;
    uint64_t version;
    char *buf; /* pending bytes of the current event */
    size_t len;
    size_t off;
    int64_t idle_ms;
};

static void set_buffer(struct sse_stream *s, char *text, size_t len)
{
    free(s->buf);
    s->buf = text;
    s->len = len;
    s->off = 0;
}

/* Blocks until there is something to send. Returns 0, or -1 to end the stream. */
static int fill(struct sse_stream *s)
{
    while (1) {
        char *snapshot = NULL;
        int rc =
            progress_hub_next(s->ctx->hub, s->campaign_id, &s->version, &snapshot, WAIT_SLICE_MS);
        if (rc < 0 || s->ctx->api->stopping(s->ctx->host)) {
            free(snapshot);
            return -1;
        }
        if (rc > 0) {
            char *event = NULL;
            int n = asprintf(&event, "id: %llu\ndata: %s\n\n", (unsigned long long)s->version,
                             snapshot);
            free(snapshot);
            if (n < 0)
                return -1;
            set_buffer(s, event, (size_t)n);
            s->idle_ms = 0;
            return 0;
        }
        s->idle_ms += WAIT_SLICE_MS;
        if (s->idle_ms >= s->ctx->sse_keepalive_ms) {
            s->idle_ms = 0;
            char *ping = strdup(": keepalive\n\n");
            if (!ping)
                return -1;
            set_buffer(s, ping, strlen(ping));
            return 0;
        }
    }
}

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct sse_stream *s = cls;
    if (s->off >= s->len && fill(s) != 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = s->len - s->off;
    if (n > max)
        n = max;
    memcpy(out, s->buf + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void sse_free(void *cls)
{
    struct sse_stream *s = cls;
    progress_hub_unwatch(s->ctx->hub, s->campaign_id);
    free(s->buf);
    free(s);
}

int api_stream_progress(struct api_ctx *ctx, struct MHD_Connection *conn, int64_t campaign_id)
{
    struct sse_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->ctx = ctx;
    s->campaign_id = campaign_id;
    char *hello = strdup("retry: 1000\n\n"); /* sent at once so clients see the stream open */
    if (!hello) {
        free(s);
        return -1;
    }
    set_buffer(s, hello, strlen(hello));
    progress_hub_watch(ctx->hub, campaign_id);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s, sse_free);
    if (!r) {
        sse_free(s);
        return -1;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r); /* MHD keeps its own reference; sse_free runs when it is done */
    return rc == MHD_YES ? 0 : -1;
}
