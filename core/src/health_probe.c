/*
 * health_probe.c - every 2 s: a metadata request through the producer (thread-safe in
 * librdkafka) and PQping on the configured conninfo; results go to stage->kafka_ok/pg_ok.
 */
#include "health_probe.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static pthread_t probe_thread;
static int probe_started;
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t probe_cond = PTHREAD_COND_INITIALIZER;
static int probe_stop;

static void probe_once(struct stage *s, char *pg_conninfo)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(s->producer, 0, NULL, &md, 1500);
    if (md)
        rd_kafka_metadata_destroy(md);
    int kafka = e == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (kafka != atomic_load(&s->kafka_ok))
        log_msg(kafka ? HERALD_LOG_INFO : HERALD_LOG_WARN, NULL, "health: kafka %s",
                kafka ? "reachable" : "unreachable");
    atomic_store(&s->kafka_ok, kafka);
    int pg = 1;
    if (pg_conninfo)
        pg = PQping(pg_conninfo) == PQPING_OK;
    if (pg != atomic_load(&s->pg_ok))
        log_msg(pg ? HERALD_LOG_INFO : HERALD_LOG_WARN, NULL, "health: postgres %s",
                pg ? "reachable" : "unreachable");
    atomic_store(&s->pg_ok, pg);
}

static void *probe_main(void *arg)
{
    struct stage *s = arg;
    char *conninfo = NULL;
    if (s->cfg->pg_conninfo[0]) {
        size_t len = strlen(s->cfg->pg_conninfo) + 32;
        conninfo = malloc(len);
        snprintf(conninfo, len, "%s connect_timeout=2", s->cfg->pg_conninfo);
        if (strstr(s->cfg->pg_conninfo, "://"))
            snprintf(conninfo, len, "%s", s->cfg->pg_conninfo);
    }
    pthread_mutex_lock(&probe_lock);
    while (!probe_stop) {
        pthread_mutex_unlock(&probe_lock);
        probe_once(s, conninfo);
        pthread_mutex_lock(&probe_lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 2;
        if (!probe_stop)
            pthread_cond_timedwait(&probe_cond, &probe_lock, &ts);
    }
    pthread_mutex_unlock(&probe_lock);
    free(conninfo);
    return NULL;
}

int health_probe_start(struct stage *s)
{
    probe_stop = 0;
    if (pthread_create(&probe_thread, NULL, probe_main, s))
        return -1;
    probe_started = 1;
    return 0;
}

void health_probe_stop(void)
{
    if (!probe_started)
        return;
    pthread_mutex_lock(&probe_lock);
    probe_stop = 1;
    pthread_cond_signal(&probe_cond);
    pthread_mutex_unlock(&probe_lock);
    pthread_join(probe_thread, NULL);
    probe_started = 0;
}
