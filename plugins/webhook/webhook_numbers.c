/*
 * webhook_numbers.c - pairs passed on, and when (see the header).
 */
#include "webhook_numbers.h"

#include "webhook_payload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct webhook_numbers {
    pthread_mutex_t lock;
    struct webhook_number *items; /* at_ms: when the pair was passed on */
    size_t n, capacity;
    int64_t every_ms;
};

struct webhook_numbers *webhook_numbers_new(size_t capacity, int64_t every_ms)
{
    struct webhook_numbers *w = calloc(1, sizeof(*w));
    if (!w || capacity == 0 || !(w->items = calloc(capacity, sizeof(*w->items)))) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    w->capacity = capacity;
    w->every_ms = every_ms;
    return w;
}

void webhook_numbers_free(struct webhook_numbers *w)
{
    if (!w)
        return;
    pthread_mutex_destroy(&w->lock);
    free(w->items);
    free(w);
}

/* The entry of that number, or a new one (NULL-free: a full table is emptied first). */
static struct webhook_number *entry_for(struct webhook_numbers *w, const char *phone_number_id)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->items[i].phone_number_id, phone_number_id) == 0)
            return &w->items[i];
    if (w->n == w->capacity)
        w->n = 0;
    struct webhook_number *e = &w->items[w->n++];
    snprintf(e->phone_number_id, sizeof(e->phone_number_id), "%s", phone_number_id);
    e->waba_id[0] = '\0';
    e->at_ms = 0;
    return e;
}

int webhook_numbers_due(struct webhook_numbers *w, const char *phone_number_id, const char *waba_id,
                        int64_t now_ms)
{
    pthread_mutex_lock(&w->lock);
    struct webhook_number *e = entry_for(w, phone_number_id);
    int due = e->waba_id[0] == '\0' || strcmp(e->waba_id, waba_id) != 0 ||
              now_ms - e->at_ms >= w->every_ms;
    if (due) {
        snprintf(e->waba_id, sizeof(e->waba_id), "%s", waba_id);
        e->at_ms = now_ms;
    }
    pthread_mutex_unlock(&w->lock);
    return due;
}

void webhook_numbers_forget(struct webhook_numbers *w, const char *phone_number_id,
                            const char *waba_id)
{
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->items[i].phone_number_id, phone_number_id) == 0 &&
            strcmp(w->items[i].waba_id, waba_id) == 0)
            w->items[i].waba_id[0] = '\0';
    pthread_mutex_unlock(&w->lock);
}
