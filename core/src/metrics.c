/*
 * metrics.c - the metric registry (see metrics.h).
 *
 * A mutex guards the list of names (registration and rendering); values are updated without
 * it. The gateway's HTTP workers and the host's main thread bump the same counters for every
 * webhook, tens of thousands of times a second: one lock for all of them made the threads
 * queue on each other (futex sleeps and context switches were ~6 % of the gateway's CPU).
 * A value is a double stored as its bit pattern in an atomic 64-bit word; add is a
 * compare-and-swap loop, so the sum stays exact.
 */
#include "metrics.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metric {
    struct metrics *owner;
    char *name;
    char *help;
    enum metric_kind kind;
    _Atomic uint64_t bits; /* the double value's bit pattern */
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

_Static_assert(sizeof(double) == sizeof(uint64_t), "a metric value is stored as 64 bits");

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static uint64_t to_bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

void metric_add(struct metric *x, double v)
{
    if (!x)
        return;
    uint64_t old = atomic_load_explicit(&x->bits, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&x->bits, &old, to_bits(from_bits(old) + v),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

void metric_set(struct metric *x, double v)
{
    if (!x)
        return;
    atomic_store_explicit(&x->bits, to_bits(v), memory_order_relaxed);
}

double metric_get(struct metric *x)
{
    return from_bits(atomic_load_explicit(&x->bits, memory_order_relaxed));
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
                metric_get(x));
    }
    pthread_mutex_unlock(&m->lock);
    fclose(out);
    return buf;
}
