/*
 * ctl_outcome.c - polling command_results; see ctl_outcome.h.
 */
#include "ctl_outcome.h"

#include "ctl_db.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum ctl_outcome_status ctl_outcome_lookup(PGconn *pg, const char *command_id,
                                           struct ctl_outcome *out, char *err, size_t errlen)
{
    const char *params[] = {command_id};
    PGresult *res;
    if (ctl_db_query(pg,
                     "SELECT outcome, coalesce(reason, ''), handled_by FROM command_results "
                     "WHERE command_id = $1",
                     1, params, &res, err, errlen) != CTL_DB_OK)
        return CTL_OUTCOME_DB_ERROR;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return CTL_OUTCOME_TIMEOUT;
    }
    memset(out, 0, sizeof(*out));
    out->accepted = strcmp(PQgetvalue(res, 0, 0), "accepted") == 0;
    ctl_db_one_line(PQgetvalue(res, 0, 1), out->reason, sizeof(out->reason));
    snprintf(out->handled_by, sizeof(out->handled_by), "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    return CTL_OUTCOME_FOUND;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum ctl_outcome_status ctl_outcome_wait(PGconn *pg, const char *command_id, double timeout_s,
                                         struct ctl_outcome *out, char *err, size_t errlen)
{
    double deadline = now_s() + timeout_s;
    for (;;) {
        enum ctl_outcome_status st = ctl_outcome_lookup(pg, command_id, out, err, errlen);
        if (st != CTL_OUTCOME_TIMEOUT || now_s() >= deadline)
            return st;
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}
