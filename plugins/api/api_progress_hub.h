/*
 * api_progress_hub.h - one poller feeding every progress stream watcher.
 *
 * Why: the dashboard may hold many SSE streams on the same campaigns. Instead of a query per
 * watcher, ONE thread per process queries `campaign_progress` for all watched campaigns every
 * progress_poll_ms (250 ms) and publishes each snapshot that changed; watchers block on a
 * condition variable and read the latest text. Database load is one query per interval no
 * matter how many watchers; a change is visible within one interval (well under 1 s) and
 * pushed at most 1000/progress_poll_ms times per second.
 */
#ifndef HERALD_API_PROGRESS_HUB_H
#define HERALD_API_PROGRESS_HUB_H

#include <stdint.h>

struct api_ctx;
struct progress_hub;

/* Starts the poller thread (its own PostgreSQL connection via pg_open). NULL on failure. */
struct progress_hub *progress_hub_start(struct api_ctx *ctx);
/* Makes every waiting watcher return -1 (call before stopping the HTTP server). */
void progress_hub_shutdown(struct progress_hub *hub);
/* Joins the poller and frees everything; no watcher may remain. */
void progress_hub_free(struct progress_hub *hub);

void progress_hub_watch(struct progress_hub *hub, int64_t campaign_id);
void progress_hub_unwatch(struct progress_hub *hub, int64_t campaign_id);

/* Waits up to timeout_ms for a snapshot of campaign_id newer than *version. Returns 1 with
 * *snapshot (heap JSON text, free() it) and *version updated, 0 on timeout, -1 when the hub
 * is shutting down. */
int progress_hub_next(struct progress_hub *hub, int64_t campaign_id, uint64_t *version,
                      char **snapshot, int timeout_ms);

#endif
