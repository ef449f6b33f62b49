/*
 * gateway_bare_kafka.c - the raw limit of the webhook's dependency for bench/gateway.sh: a
 * closed loop of N producers, each producing one delivery-event-sized message with the
 * gateway's producer settings (idempotent, acks=all, the same linger) and producing the next
 * one only once Kafka acknowledged the previous one.
 *
 * Why: the webhook answers 200 only after Kafka acknowledged a POST's message, so with N
 * connections at most N messages are in flight and its rate cannot exceed N / (ack round
 * trip). This measures that ceiling next to the HTTP figures in the same run; the webhook's
 * distance to it is the cost of HTTP, HMAC, parsing and the thread hops, and the bare
 * libmicrohttpd server's distance to it is the cost of acks=all itself.
 *
 * Usage: herald-bench-bare-kafka BROKERS TOPIC IN_FLIGHT SECONDS [prop=value ...]
 * Prints: "RESULT <msgs/s> <p50 ms> <p99 ms> <failed>" over SECONDS after a 1 s warm-up.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SAMPLES 4000000

struct loop {
    rd_kafka_t *rk;
    const char *topic;
    char payload[320];
    double *lat; /* ack latencies in seconds, measured phase only */
    size_t n_lat;
    int measuring;
    int stopping; /* no new produce once the measurement is over */
    long failed;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One slot of the loop: the send time travels as the message's opaque (no allocation). */
struct slot {
    double sent;
};

static int produce(struct loop *l, struct slot *s)
{
    s->sent = now_s();
    return rd_kafka_producev(l->rk, RD_KAFKA_V_TOPIC(l->topic), RD_KAFKA_V_KEY("42", 2),
                             RD_KAFKA_V_VALUE(l->payload, strlen(l->payload)),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(s),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR
               ? 0
               : -1;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct loop *l = opaque;
    struct slot *s = m->_private;
    if (m->err)
        l->failed++;
    else if (l->measuring && l->n_lat < MAX_SAMPLES)
        l->lat[l->n_lat++] = now_s() - s->sent;
    if (!l->stopping)
        produce(l, s); /* the next request of this "connection" */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static rd_kafka_t *make_producer(const char *brokers, char **props, int n, struct loop *l)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *base[][2] = {{"bootstrap.servers", brokers},
                             {"enable.idempotence", "true"},
                             {"acks", "all"},
                             {"linger.ms", "5"}}; /* the host's default; props override */
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        rd_kafka_conf_set(conf, base[i][0], base[i][1], err, sizeof err);
    for (int i = 0; i < n; i++) {
        char *kv = strdup(props[i]);
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = '\0';
        int ok = eq && rd_kafka_conf_set(conf, kv, eq + 1, err, sizeof err) == RD_KAFKA_CONF_OK;
        free(kv);
        if (!ok) {
            fprintf(stderr, "bad property '%s': %s\n", props[i], eq ? err : "want key=value");
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, l);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        fprintf(stderr, "producer: %s\n", err);
    return rk;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s BROKERS TOPIC IN_FLIGHT SECONDS [prop=value ...]\n", argv[0]);
        return 2;
    }
    int in_flight = atoi(argv[3]);
    double seconds = atof(argv[4]);
    if (in_flight < 1 || seconds <= 0) {
        fprintf(stderr, "IN_FLIGHT and SECONDS must be positive\n");
        return 2;
    }
    struct loop l = {.topic = argv[2], .lat = malloc(MAX_SAMPLES * sizeof(double))};
    /* the size of a webhook's delivery event */
    snprintf(l.payload, sizeof l.payload,
             "{\"event_id\":\"wh-wamid.HBgLMTU1NTAxMjM0NTYVAgARGBI00000001-delivered\","
             "\"type\":\"delivered\",\"campaign_id\":42,\"recipient_id\":1,\"phone\":"
             "\"4915100000001\",\"wamid\":\"wamid.HBgLMTU1NTAxMjM0NTYVAgARGBI00000001\","
             "\"ts_ms\":1764100001000}");
    struct slot *slots = calloc((size_t)in_flight, sizeof *slots);
    l.rk = make_producer(argv[1], argv + 5, argc - 5, &l);
    if (!l.rk || !l.lat || !slots)
        return 1;
    for (int i = 0; i < in_flight; i++)
        if (produce(&l, &slots[i]) != 0) {
            fprintf(stderr, "produce failed\n");
            return 1;
        }
    double start = now_s(), measure_from = start + 1.0, end = measure_from + seconds;
    for (double t = start; t < end; t = now_s()) {
        if (!l.measuring && t >= measure_from)
            l.measuring = 1;
        rd_kafka_poll(l.rk, 50);
    }
    l.measuring = 0;
    size_t n = l.n_lat;
    qsort(l.lat, n, sizeof(double), cmp_double);
    printf("RESULT %.1f %.3f %.3f %ld\n", (double)n / seconds, n ? l.lat[n / 2] * 1e3 : 0.0,
           n ? l.lat[n * 99 / 100] * 1e3 : 0.0, l.failed);
    l.stopping = 1;
    rd_kafka_flush(l.rk, 10000);
    rd_kafka_destroy(l.rk);
    free(slots);
    free(l.lat);
    return 0;
}
