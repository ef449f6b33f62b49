/*
 * segmenter_expansion.c - how fast does the segmenter turn an audience into jobs, next to raw
 * PostgreSQL COPY and raw librdkafka produce measured in the same run?
 *
 * Why: issue 3 asks for audience expansion throughput for 1M contacts with its baselines. The
 * stages measured are exactly the segmenter's statements (snapshot_sql() and
 * EMISSION_QUEUE_NEXT_SQL from herald_segmenter_logic):
 *   1. raw COPY of N contacts into `contacts`                       (baseline, PostgreSQL)
 *   2. audience snapshot: the INSERT ... SELECT of a campaign start  (lists + a JSONB rule)
 *   3. emission: steps of `batch` rows pending -> queued + produce of each job to Kafka,
 *      until every recipient is emitted and acknowledged (no lookahead pacing: raw capacity)
 *   4. raw librdkafka produce of the same number of messages of the same size (baseline)
 *   5. raw COPY of the same recipient rows into `campaign_recipients` (another campaign, same
 *      indexes): the baseline of the snapshot, which writes exactly these rows
 *   6. emission again, the same rows back to pending, under Meta's messaging limit
 *      (EMISSION_QUEUE_NEXT_LIMITED_SQL, room for everyone: each recipient is a new person and
 *      is stamped in the ledger), next to 3 (the same statement without the limit)
 * Besides the Markdown table it prints `RESULT <step> <rows> <seconds>` lines that
 * bench/segmenter.sh turns into the result TSV of issue 9.
 * Usage: segmenter_expansion CONNINFO BROKERS TOPIC [contacts=1000000] [batch=5000]
 * The database must be empty with every migration applied (segmenter_expansion.sh).
 */
#include <jansson.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emission_sql.h"
#include "herald/text_buffer.h"
#include "snapshot_sql.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, PGconn *conn)
{
    fprintf(stderr, "segmenter_expansion: %s: %s\n", what, conn ? PQerrorMessage(conn) : "");
    exit(1);
}

static PGresult *exec(PGconn *conn, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        die(sql, conn);
    return r;
}

static const char *const CITIES[] = {"Berlin", "Hamburg", "Munich", "Cologne"};

static double copy_contacts(PGconn *conn, long n)
{
    double t0 = now_s();
    PQclear(exec(conn, "BEGIN", 0, NULL));
    PGresult *r = PQexec(conn, "COPY contacts (phone, name, attributes, tags) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN)
        die("COPY", conn);
    PQclear(r);
    struct text_buffer b;
    text_buffer_init(&b);
    for (long i = 1; i <= n; i++) {
        text_buffer_printf(&b,
                           "%ld\tPerson %ld\t{\"city\": \"%s\", \"age\": \"%ld\", \"discount\": "
                           "\"%ld%%\"}\t{%s}\n",
                           4910000000000L + i, i, CITIES[i % 4], 18 + i % 60, i % 50,
                           i % 10 == 0 ? "vip" : "");
        if (b.len > (1 << 20) || i == n) {
            if (b.failed || PQputCopyData(conn, b.data, (int)b.len) != 1)
                die("COPY data", conn);
            b.len = 0;
        }
    }
    text_buffer_free(&b);
    if (PQputCopyEnd(conn, NULL) != 1)
        die("COPY end", conn);
    while ((r = PQgetResult(conn))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            die("COPY result", conn);
        PQclear(r);
    }
    PQclear(exec(conn, "COMMIT", 0, NULL));
    return now_s() - t0;
}

static void make_list_and_campaign(PGconn *conn)
{
    PQclear(exec(conn, "INSERT INTO contact_lists (id, name) VALUES (1, 'all')", 0, NULL));
    PQclear(exec(conn,
                 "INSERT INTO contact_list_members (list_id, contact_id) SELECT 1, id FROM "
                 "contacts",
                 0, NULL));
    PQclear(exec(conn,
                 "INSERT INTO campaigns (id, name, phone_number_id, template_name, status) "
                 "VALUES (1, 'bench', '1098765', 'spring_sale', 'running')",
                 0, NULL));
    PQclear(exec(conn, "ANALYZE", 0, NULL));
}

/* Audience: list 1, not Munich, and (age >= 25 or vip): a realistic JSONB filter. */
static double snapshot(PGconn *conn, long *rows)
{
    json_t *aud =
        json_loads("{\"include_lists\":[1],\"rules\":{\"all\":[{\"attr\":\"city\",\"op\":\"ne\","
                   "\"value\":\"Munich\"},{\"any\":[{\"attr\":\"age\",\"op\":\"gte\",\"value\":25},"
                   "{\"op\":\"has_tag\",\"value\":\"vip\"}]}]}}",
                   0, NULL);
    json_t *map = json_loads("[\"name\",\"attributes.discount\"]", 0, NULL);
    struct sql_params p;
    sql_params_init(&p, 2);
    char err[256];
    char *sql = snapshot_sql(aud, map, &p, err, sizeof(err));
    if (!sql)
        die(err, NULL);
    const char **values = calloc((size_t)p.count + 1, sizeof(*values));
    values[0] = "1";
    for (int i = 0; i < p.count; i++)
        values[i + 1] = p.values[i];
    double t0 = now_s();
    PGresult *r = exec(conn, sql, p.count + 1, values);
    *rows = atol(PQcmdTuples(r));
    PQclear(r);
    double t = now_s() - t0;
    free(values);
    free(sql);
    sql_params_free(&p);
    json_decref(aud);
    json_decref(map);
    return t;
}

/* Baseline of the snapshot: the rows it wrote, read back with COPY TO and written again with
 * COPY FROM as campaign 2 (same table, same indexes), one transaction. Only the write is
 * timed. */
static double copy_recipients(PGconn *conn, long *rows)
{
    PQclear(exec(conn,
                 "INSERT INTO campaigns (id, name, phone_number_id, template_name, status) "
                 "VALUES (2, 'bench copy', '1098765', 'spring_sale', 'draft')",
                 0, NULL));
    PGresult *r = PQexec(conn, "COPY (SELECT 2, recipient_id, contact_id, phone, name, params, "
                               "state FROM campaign_recipients WHERE campaign_id = 1) TO STDOUT");
    if (PQresultStatus(r) != PGRES_COPY_OUT)
        die("COPY TO", conn);
    PQclear(r);
    struct text_buffer b;
    text_buffer_init(&b);
    char *line;
    int len;
    *rows = 0;
    while ((len = PQgetCopyData(conn, &line, 0)) > 0) {
        text_buffer_printf(&b, "%.*s", len, line);
        PQfreemem(line);
        (*rows)++;
    }
    while ((r = PQgetResult(conn)))
        PQclear(r);
    if (b.failed)
        die("out of memory", NULL);
    double t0 = now_s();
    PQclear(exec(conn, "BEGIN", 0, NULL));
    r = PQexec(conn, "COPY campaign_recipients (campaign_id, recipient_id, contact_id, phone, "
                     "name, params, state) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN)
        die("COPY FROM", conn);
    PQclear(r);
    for (size_t off = 0; off < b.len; off += 1 << 20) {
        size_t n = b.len - off < (1 << 20) ? b.len - off : (1 << 20);
        if (PQputCopyData(conn, b.data + off, (int)n) != 1)
            die("COPY data", conn);
    }
    if (PQputCopyEnd(conn, NULL) != 1)
        die("COPY end", conn);
    while ((r = PQgetResult(conn))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            die("COPY result", conn);
        PQclear(r);
    }
    PQclear(exec(conn, "COMMIT", 0, NULL));
    double t = now_s() - t0;
    text_buffer_free(&b);
    return t;
}

static long acked, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    if (m->err)
        failed++;
    else
        acked++;
}

static rd_kafka_t *producer(const char *brokers)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {{"bootstrap.servers", brokers},
                                 {"linger.ms", "5"},
                                 {"enable.idempotence", "true"},
                                 {"queue.buffering.max.messages", "1000000"}};
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK)
            die(errstr, NULL);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk)
        die(errstr, NULL);
    return rk;
}

static void produce(rd_kafka_t *rk, const char *topic, const char *key, const char *payload,
                    size_t len)
{
    for (;;) {
        rd_kafka_resp_err_t e =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                              RD_KAFKA_V_VALUE((void *)payload, len),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            die(rd_kafka_err2str(e), NULL);
        rd_kafka_poll(rk, 10);
    }
}

static void wait_acked(rd_kafka_t *rk, long want)
{
    while (acked + failed < want)
        rd_kafka_poll(rk, 50);
    if (failed)
        die("some messages were not acknowledged", NULL);
}

/* limited: under a messaging limit with room for everyone (the ledger's cost, nothing held). */
static double emission(PGconn *conn, rd_kafka_t *rk, const char *topic, long batch, long total,
                       int limited, size_t *payload_bytes)
{
    char limit[32];
    snprintf(limit, sizeof(limit), "%ld", batch);
    const char *params[] = {"1", limit, "1098765", "spring_sale", "en", NULL, "{}", "2000000000"};
    acked = failed = 0;
    long emitted = 0;
    *payload_bytes = 0;
    double t0 = now_s();
    for (;;) {
        PQclear(exec(conn, "BEGIN", 0, NULL));
        PGresult *r = limited ? exec(conn, EMISSION_QUEUE_NEXT_LIMITED_SQL, 8, params)
                              : exec(conn, EMISSION_QUEUE_NEXT_SQL, 7, params);
        PQclear(exec(conn, "COMMIT", 0, NULL));
        int n = PQntuples(r);
        for (int i = 0; i < n; i++) {
            produce(rk, topic, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                    (size_t)PQgetlength(r, i, 2));
            *payload_bytes += (size_t)PQgetlength(r, i, 2);
            rd_kafka_poll(rk, 0);
        }
        emitted += n;
        PQclear(r);
        if (n == 0)
            break;
    }
    wait_acked(rk, emitted);
    if (emitted != total)
        die("emitted count differs from the snapshot", NULL);
    return now_s() - t0;
}

static double raw_produce(rd_kafka_t *rk, const char *topic, long n, size_t size)
{
    char *payload = malloc(size);
    memset(payload, 'x', size);
    acked = failed = 0;
    char key[32];
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "%ld", 4910000000000L + i);
        produce(rk, topic, key, payload, size);
        if (i % 1000 == 0)
            rd_kafka_poll(rk, 0);
    }
    wait_acked(rk, n);
    free(payload);
    return now_s() - t0;
}

/* The benchmark's topic holds a few hundred MB: remove it once measured. */
static void delete_topic(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 10000);
    if (!ev)
        fprintf(stderr, "segmenter_expansion: topic %s not deleted (timeout)\n", topic);
    else
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy(dt);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s CONNINFO BROKERS TOPIC [contacts] [batch]\n", argv[0]);
        return 2;
    }
    long n = argc > 4 ? atol(argv[4]) : 1000000;
    long batch = argc > 5 ? atol(argv[5]) : 5000;
    PGconn *conn = PQconnectdb(argv[1]);
    if (PQstatus(conn) != CONNECTION_OK)
        die("connect", conn);
    double t_copy = copy_contacts(conn, n);
    make_list_and_campaign(conn);
    long rows = 0;
    double t_snap = snapshot(conn, &rows);
    rd_kafka_t *rk = producer(argv[2]);
    size_t bytes = 0;
    double t_emit = emission(conn, rk, argv[3], batch, rows, 0, &bytes);
    size_t avg = rows ? bytes / (size_t)rows : 100;
    double t_raw = raw_produce(rk, argv[3], rows, avg);
    PQclear(exec(conn, "UPDATE campaign_recipients SET state = 'pending' WHERE campaign_id = 1", 0,
                 NULL));
    PQclear(exec(conn, "VACUUM ANALYZE campaign_recipients", 0, NULL));
    double t_limited = emission(conn, rk, argv[3], batch, rows, 1, &bytes);
    rd_kafka_flush(rk, 10000);
    delete_topic(rk, argv[3]);
    rd_kafka_destroy(rk);
    long copied = 0;
    double t_copy_rcpt = copy_recipients(conn, &copied);
    PQfinish(conn);
    printf("| step | rows | seconds | rows/s |\n|---|---:|---:|---:|\n");
    printf("| raw PostgreSQL COPY of contacts (baseline) | %ld | %.2f | %.0f |\n", n, t_copy,
           n / t_copy);
    printf("| audience snapshot (INSERT ... SELECT, lists + JSONB rules) | %ld | %.2f | %.0f |\n",
           rows, t_snap, rows / t_snap);
    printf("| emission (pending->queued steps of %ld + produce + acks) | %ld | %.2f | %.0f |\n",
           batch, rows, t_emit, rows / t_emit);
    printf("| raw librdkafka produce, %zu-byte messages + acks (baseline) | %ld | %.2f | %.0f |\n",
           avg, rows, t_raw, rows / t_raw);
    printf("| emission under a messaging limit (every recipient a new person) | %ld | %.2f | %.0f "
           "|\n",
           rows, t_limited, rows / t_limited);
    printf("| raw PostgreSQL COPY of the same recipient rows (baseline) | %ld | %.2f | %.0f |\n",
           copied, t_copy_rcpt, copied / t_copy_rcpt);
    printf("| expansion end to end (snapshot + emission) | %ld | %.2f | %.0f |\n", rows,
           t_snap + t_emit, rows / (t_snap + t_emit));
    printf("RESULT contacts_copy %ld %.3f\nRESULT snapshot %ld %.3f\nRESULT emission %ld %.3f\n"
           "RESULT raw_produce %ld %.3f\nRESULT recipients_copy %ld %.3f\nRESULT bytes %zu 0\n"
           "RESULT emission_limited %ld %.3f\n",
           n, t_copy, rows, t_snap, rows, t_emit, rows, t_raw, copied, t_copy_rcpt, avg, rows,
           t_limited);
    return 0;
}
