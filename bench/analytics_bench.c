/*
 * analytics_bench.c - how fast does the analytics fold absorb delivery events, next to a raw
 * PostgreSQL COPY of the same rows in the same run?
 *
 * Why: the goal is 200,000 events/s folded on this machine. The fold is measured end to end as
 * the plugin runs it (JSON parse + per-recipient merge, COPY into staging +
 * analytics_apply_batch() + COMMIT, one transaction per batch), the baseline is COPY of the
 * same events, one row each, into a plain table with one transaction per batch. Events are a
 * realistic stream: per recipient accepted, sent (+1 s), delivered (+2 s), read (+10 s) for 60 %,
 * and 3 % failed, ordered by time with a share duplicated, so batches mix steps of different
 * recipients as the live topic does.
 *
 * Usage: analytics_bench CONNINFO [recipients=200000] [batch=5000] [sends_per_second=500]
 * sends_per_second sets how densely sends are spaced in time, hence how often several steps
 * of one recipient share a batch (and fold into one row write): 500 is one busy phone number
 * pool; 100000 puts every step of a recipient in a different batch (the worst case).
 * The database must have the migrations applied (bench/analytics_bench.sh does it).
 */
#include "analytics_batch.h"
#include "analytics_store.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAMPAIGN 900001
#define T0       1764100000000LL

struct ev {
    int64_t ts;
    char json[200];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time (ns) the server backend has used so far: a load-independent cost measure on a
 * shared machine (wall time is reported too). Works when the server runs on this host. */
static double backend_cpu_s(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    FILE *f = fopen(path, "r");
    unsigned long long ns = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu", &ns) != 1)
        ns = 0;
    fclose(f);
    return (double)ns / 1e9;
}

static int by_ts(const void *a, const void *b)
{
    const struct ev *x = a, *y = b;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

static void add(struct ev *evs, size_t *n, const char *type, int64_t r, int64_t ts)
{
    struct ev *e = &evs[(*n)++];
    e->ts = ts;
    if (strcmp(type, "failed") == 0)
        snprintf(e->json, sizeof e->json,
                 "{\"type\":\"failed\",\"campaign_id\":%d,\"recipient_id\":%" PRId64
                 ",\"wamid\":\"wamid.b%" PRId64 "\",\"ts_ms\":%" PRId64
                 ",\"error\":{\"code\":131026,\"title\":\"Message undeliverable\"}}",
                 CAMPAIGN, r, r, ts);
    else
        snprintf(e->json, sizeof e->json,
                 "{\"type\":\"%s\",\"campaign_id\":%d,\"recipient_id\":%" PRId64
                 ",\"phone\":\"49151%08" PRId64 "\",\"wamid\":\"wamid.b%" PRId64
                 "\",\"ts_ms\":%" PRId64 "}",
                 type, CAMPAIGN, r, r, r, ts);
}

static struct ev *make_stream(int64_t recipients, double sends_per_second, size_t *count)
{
    struct ev *evs = malloc((size_t)recipients * 6 * sizeof *evs);
    if (!evs)
        return NULL;
    size_t n = 0;
    srand(42);
    for (int64_t r = 1; r <= recipients; r++) {
        int64_t t = T0 + (int64_t)((double)r * 1000.0 / sends_per_second);
        add(evs, &n, "accepted", r, t);
        if (r % 33 == 0) {
            add(evs, &n, "failed", r, t + 1500);
            continue;
        }
        add(evs, &n, "sent", r, t + 1000);
        add(evs, &n, "delivered", r, t + 2000);
        if (r % 5 < 3)
            add(evs, &n, "read", r, t + 10000);
        if (r % 20 == 0) /* Meta's at-least-once: a duplicate delivered */
            add(evs, &n, "delivered", r, t + 2000);
    }
    qsort(evs, n, sizeof *evs, by_ts);
    *count = n;
    return evs;
}

static int exec(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    PQclear(res);
    return ok ? 0 : -1;
}

static int copy_raw(PGconn *c, const struct analytics_copybuf *buf)
{
    PGresult *res = PQexec(c, "COPY analytics_bench_raw FROM STDIN");
    int ok = PQresultStatus(res) == PGRES_COPY_IN;
    PQclear(res);
    if (!ok)
        return -1;
    ok = PQputCopyData(c, buf->text.data, (int)buf->text.len) == 1 && PQputCopyEnd(c, NULL) == 1;
    res = PQgetResult(c);
    ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    while ((res = PQgetResult(c)))
        PQclear(res);
    return ok ? 0 : -1;
}

static int reset_tables(PGconn *c)
{
    return exec(c, "SET client_min_messages = warning;"
                   "DELETE FROM analytics_recipient_delivery WHERE campaign_id = 900001;"
                   "DELETE FROM analytics_campaign_stats WHERE campaign_id = 900001;"
                   "DELETE FROM analytics_campaign_minute WHERE campaign_id = 900001;"
                   "DELETE FROM analytics_campaign_failures WHERE campaign_id = 900001;"
                   "DROP TABLE IF EXISTS analytics_bench_raw;"
                   "CREATE TABLE analytics_bench_raw (campaign_id bigint, recipient_id bigint,"
                   " wamid text, phone text, accepted_ms bigint, sent_ms bigint,"
                   " delivered_ms bigint, read_ms bigint, failed_ms bigint, error_code int,"
                   " error_title text, replied_ms bigint);") ||
           exec(c, "VACUUM ANALYZE analytics_recipient_delivery");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONNINFO [recipients] [batch]\n", argv[0]);
        return 2;
    }
    int64_t recipients = argc > 2 ? atoll(argv[2]) : 200000;
    size_t batch = argc > 3 ? (size_t)atoll(argv[3]) : 5000;
    double sends_per_second = argc > 4 ? atof(argv[4]) : 500;
    if (recipients <= 0 || batch == 0 || sends_per_second <= 0) {
        fprintf(stderr, "recipients, batch and sends_per_second must be positive\n");
        return 2;
    }
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s", PQerrorMessage(c));
        return 1;
    }
    size_t n;
    struct ev *evs = make_stream(recipients, sends_per_second, &n);
    if (!evs || reset_tables(c) != 0)
        return 1;

    struct analytics_batch b, raw;
    struct analytics_store st = {0};
    struct analytics_settings s = {72, 600, 168, "bench"};
    struct analytics_apply_result r;
    char err[512];
    double raw_s = 0, fold_s = 0, parse_s = 0, raw_cpu = 0, fold_cpu = 0;
    int pid = PQbackendPID(c);
    int64_t changed = 0;
    analytics_batch_init(&b);
    analytics_batch_init(&raw);
    for (size_t off = 0; off < n; off += batch) {
        size_t m = n - off < batch ? n - off : batch;
        double t = now_s();
        analytics_batch_reset(&b);
        for (size_t i = off; i < off + m; i++)
            if (analytics_batch_add(&b, ANALYTICS_TOPIC_EVENTS, evs[i].json, strlen(evs[i].json), 0,
                                    0, (int64_t)i, err, sizeof err) != ANALYTICS_V_FOLD) {
                fprintf(stderr, "bad event: %s\n", err);
                return 1;
            }
        analytics_batch_seal(&b);
        double t1 = now_s();
        parse_s += t1 - t;
        /* Baseline: one row per event (sealing after each event defeats the per-recipient
         * merge), raw COPY, one transaction. */
        analytics_batch_reset(&raw);
        for (size_t i = off; i < off + m; i++) {
            analytics_batch_add(&raw, ANALYTICS_TOPIC_EVENTS, evs[i].json, strlen(evs[i].json), 0,
                                0, (int64_t)i, err, sizeof err);
            analytics_batch_seal(&raw);
        }
        double c1 = backend_cpu_s(pid);
        t1 = now_s();
        if (exec(c, "BEGIN") || copy_raw(c, &raw.events) || exec(c, "COMMIT"))
            return 1;
        double t2 = now_s();
        raw_s += t2 - t1;
        raw_cpu += backend_cpu_s(pid) - c1;
        double c2 = backend_cpu_s(pid);
        int explain = getenv("ANALYTICS_BENCH_EXPLAIN") && off / batch == 40;
        if (explain)
            exec(c, "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
                    "SET auto_explain.log_analyze = on; SET auto_explain.log_timing = on;"
                    "SET auto_explain.log_nested_statements = on; SET client_min_messages = log");
        if (analytics_store_apply(&st, c, &b, 0, &s, &r, err, sizeof err) != ANALYTICS_STORE_OK) {
            fprintf(stderr, "fold failed: %s\n", err);
            return 1;
        }
        fold_s += now_s() - t2;
        fold_cpu += backend_cpu_s(pid) - c2;
        if (explain)
            exec(c, "SET auto_explain.log_min_duration = -1; SET client_min_messages = warning");
        changed += r.folded;
    }
    PGresult *res = PQexec(c, "SELECT accepted, sent, delivered, read, failed FROM "
                              "analytics_campaign_stats WHERE campaign_id = 900001");
    printf("events=%zu batch=%zu recipients=%" PRId64 " sends/s=%.0f recipient_changes=%" PRId64
           "\n",
           n, batch, recipients, sends_per_second, changed);
    if (PQntuples(res) == 1)
        printf("counters accepted=%s sent=%s delivered=%s read=%s failed=%s\n",
               PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
               PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
    PQclear(res);
    res = PQexec(c, "SELECT changed FROM analytics_recalculate(900001)");
    int exact = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "f") == 0;
    printf("recalculate: numbers %s\n", exact ? "unchanged (exact)" : "DIFFER");
    PQclear(res);
    printf("parse+encode: %.0f events/s (%.2f s)\n", (double)n / parse_s, parse_s);
    printf("raw COPY:     %.0f events/s (%.2f s wall); %.0f events per server CPU second\n",
           (double)n / raw_s, raw_s, raw_cpu > 0 ? (double)n / raw_cpu : 0);
    printf("fold:         %.0f events/s (%.2f s wall, parse excluded); %.0f events per server CPU "
           "second\n",
           (double)n / fold_s, fold_s, fold_cpu > 0 ? (double)n / fold_cpu : 0);
    printf("fold+parse:   %.0f events/s\n", (double)n / (fold_s + parse_s));
    /* Machine-readable lines for bench/analytics.sh. */
    printf("RESULT events %zu\nRESULT raw_wall_eps %.0f\nRESULT raw_cpu_eps %.0f\n", n,
           (double)n / raw_s, raw_cpu > 0 ? (double)n / raw_cpu : 0);
    printf("RESULT fold_wall_eps %.0f\nRESULT fold_cpu_eps %.0f\nRESULT fold_parse_eps %.0f\n",
           (double)n / fold_s, fold_cpu > 0 ? (double)n / fold_cpu : 0,
           (double)n / (fold_s + parse_s));
    printf("RESULT parse_eps %.0f\nRESULT exact %d\n", (double)n / parse_s, exact);
    analytics_batch_free(&b);
    analytics_batch_free(&raw);
    free(evs);
    exec(c, "DROP TABLE IF EXISTS analytics_bench_raw");
    PQfinish(c);
    return 0;
}
