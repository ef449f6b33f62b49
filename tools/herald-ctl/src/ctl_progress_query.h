/*
 * ctl_progress_query.h - reads one campaign's progress for `watch`: from the analytics view
 * campaign_progress when it exists, else (degraded) from the dispatch states in
 * campaign_recipients, which give pending/accepted/failed but no delivery or read counts.
 *
 * Why this exists: the watch loop should not care where numbers come from, and it must keep
 * working before analytics has been migrated.
 */
#ifndef HERALD_CTL_PROGRESS_QUERY_H
#define HERALD_CTL_PROGRESS_QUERY_H

#include "ctl_progress_bar.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

enum ctl_progress_source {
    CTL_PROGRESS_VIEW = 0,     /* campaign_progress */
    CTL_PROGRESS_FALLBACK = 1, /* campaign_recipients only */
};

struct ctl_progress_snapshot {
    struct ctl_progress p; /* p.status points into status below */
    char status[32];
    char status_reason[256];
    char window_opens_utc[32];    /* p.window_opens_utc points here when set */
    char window_opens_local[128]; /* p.window_opens_local likewise */
    char limit_next_utc[32];      /* p.limit_next_utc likewise */
    enum ctl_progress_source source;
};

enum ctl_progress_result {
    CTL_PROGRESS_OK = 0,
    CTL_PROGRESS_NOT_FOUND = 1,
    CTL_PROGRESS_DB_ERROR = 2,
};

/* Fills snap for campaign `id`. `*use_view` starts true and turns false for good once the
 * view turns out to be missing (so later polls skip the failing query). */
enum ctl_progress_result ctl_progress_fetch(PGconn *pg, long long id, bool *use_view,
                                            struct ctl_progress_snapshot *snap, char *err,
                                            size_t errlen);

/* completed, cancelled, failed. */
bool ctl_progress_is_final(const char *status);

#endif
