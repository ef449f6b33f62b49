/*
 * metrics.c - the metric registry (see metrics.h).
 *
 * One mutex guards names and values: metrics are updated a few times per message at most,
 * so contention is negligible next to Kafka and PostgreSQL round trips, and a plain lock
 * keeps doubles exact without lock-free tricks.
 */
#include "metrics.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metric {
    struct metrics *owner;
    char *name;
    char *help;
    enum metric_kind kind;
    double value;
    struct metric *next;
};

struct metrics {
    pthread_mutex_t lock;
    char *stage;
    struct metric *head, *tail;
};

struct metrics *metrics_new(const char *stage)
{
    struct metrics *m = calloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    /* the stage name becomes a label value: escape what the text format requires */
    const char *src = stage ? stage : "";
    m->stage = malloc(strlen(src) * 2 + 1);
    char *d = m->stage;
    for (; *src; src++) {
        if (*src == '\\' || *src == '"')
            *d++ = '\\';
        *d++ = *src == '\n' ? ' ' : *src;
    }
    *d = '\0';
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    for (struct metric *x = m->head, *n; x; x = n) {
        n = x->next;
        free(x->name);
        free(x->help);
        free(x);
    }
    pthread_mutex_destroy(&m->lock);
    free(m->stage);
    free(m);
}

static char *sanitise(const char *name)
{
    char *s = strdup(name);
    for (char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != ':')
            *p = '_';
    return s;
}

struct metric *metrics_register(struct metrics *m, const char *name, const char *help,
                                enum metric_kind kind)
{
    char *clean = sanitise(name);
    pthread_mutex_lock(&m->lock);
    for (struct metric *x = m->head; x; x = x->next) {
        if (strcmp(x->name, clean) == 0) {
            pthread_mutex_unlock(&m->lock);
            free(clean);
            return x;
        }
    }
    struct metric *x = calloc(1, sizeof *x);
    x->owner = m;
    x->name = clean;
    x->help = strdup(help ? help : "");
    for (char *p = x->help; *p; p++)
        if (*p == '\n')
            *p = ' ';
    x->kind = kind;
    if (m->tail)
        m->tail->next = x;
    else
        m->head = x;
    m->tail = x;
    pthread_mutex_unlock(&m->lock);
    return x;
}

void metric_add(struct metric *x, double v)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->owner->lock);
    x->value += v;
    pthread_mutex_unlock(&x->owner->lock);
}

void metric_set(struct metric *x, double v)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->owner->lock);
    x->value = v;
    pthread_mutex_unlock(&x->owner->lock);
}

double metric_get(struct metric *x)
{
    pthread_mutex_lock(&x->owner->lock);
    double v = x->value;
    pthread_mutex_unlock(&x->owner->lock);
    return v;
}

char *metrics_render(struct metrics *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return NULL;
    pthread_mutex_lock(&m->lock);
    for (struct metric *x = m->head; x; x = x->next) {
        fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%s{stage=\"%s\"} %.17g\n", x->name, x->help,
                x->name, x->kind == METRIC_COUNTER ? "counter" : "gauge", x->name, m->stage,
                x->value);
    }
    pthread_mutex_unlock(&m->lock);
    fclose(out);
    return buf;
}
