/*
 * pair_rate_limiter.c - a chained hash of phone -> earliest next send time.
 *
 * Why prune instead of an LRU: an entry is useless once its interval has passed, so a sweep
 * every few seconds keeps the table at (sends in the last interval) entries.
 */
#include "pair_rate_limiter.h"

#include <stdlib.h>
#include <string.h>

struct pair_entry {
    struct pair_entry *next;
    int64_t next_ms;
    char phone[16];
};

struct pair_limiter {
    int64_t interval_ms;
    size_t n_buckets;
    size_t n_entries;
    struct pair_entry **buckets;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct pair_limiter *pair_limiter_new(int64_t interval_ms)
{
    struct pair_limiter *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->interval_ms = interval_ms;
    p->n_buckets = 4096;
    p->buckets = calloc(p->n_buckets, sizeof(*p->buckets));
    if (!p->buckets) {
        free(p);
        return NULL;
    }
    return p;
}

void pair_limiter_free(struct pair_limiter *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_buckets; i++) {
        struct pair_entry *e = p->buckets[i];
        while (e) {
            struct pair_entry *n = e->next;
            free(e);
            e = n;
        }
    }
    free(p->buckets);
    free(p);
}

static struct pair_entry *find(struct pair_limiter *p, const char *phone)
{
    struct pair_entry *e = p->buckets[hash_str(phone) % p->n_buckets];
    for (; e; e = e->next)
        if (strcmp(e->phone, phone) == 0)
            return e;
    return NULL;
}

static void grow(struct pair_limiter *p)
{
    size_t n = p->n_buckets * 2;
    struct pair_entry **b = calloc(n, sizeof(*b));
    if (!b)
        return; /* keep the old table: longer chains, still correct */
    for (size_t i = 0; i < p->n_buckets; i++) {
        struct pair_entry *e = p->buckets[i];
        while (e) {
            struct pair_entry *next = e->next;
            size_t k = hash_str(e->phone) % n;
            e->next = b[k];
            b[k] = e;
            e = next;
        }
    }
    free(p->buckets);
    p->buckets = b;
    p->n_buckets = n;
}

int64_t pair_limiter_wait_ms(struct pair_limiter *p, const char *phone, int64_t now_ms)
{
    struct pair_entry *e = find(p, phone);
    return (e && e->next_ms > now_ms) ? e->next_ms - now_ms : 0;
}

static int set_next(struct pair_limiter *p, const char *phone, int64_t next_ms)
{
    struct pair_entry *e = find(p, phone);
    if (!e) {
        if (strlen(phone) >= sizeof(e->phone))
            return 0; /* not a valid E.164 number; nothing to remember */
        if (p->n_entries >= p->n_buckets * 2)
            grow(p);
        e = calloc(1, sizeof(*e));
        if (!e)
            return -1;
        strcpy(e->phone, phone);
        size_t k = hash_str(phone) % p->n_buckets;
        e->next = p->buckets[k];
        p->buckets[k] = e;
        p->n_entries++;
    }
    if (next_ms > e->next_ms)
        e->next_ms = next_ms;
    return 0;
}

int pair_limiter_record(struct pair_limiter *p, const char *phone, int64_t now_ms)
{
    if (p->interval_ms <= 0)
        return 0;
    return set_next(p, phone, now_ms + p->interval_ms);
}

int pair_limiter_penalise(struct pair_limiter *p, const char *phone, int64_t now_ms)
{
    return set_next(p, phone, now_ms + (p->interval_ms > 0 ? p->interval_ms : 6000));
}

void pair_limiter_forget(struct pair_limiter *p, const char *phone)
{
    struct pair_entry **pp = &p->buckets[hash_str(phone) % p->n_buckets];
    for (; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->phone, phone) == 0) {
            struct pair_entry *e = *pp;
            *pp = e->next;
            free(e);
            p->n_entries--;
            return;
        }
    }
}

size_t pair_limiter_prune(struct pair_limiter *p, int64_t now_ms)
{
    for (size_t i = 0; i < p->n_buckets; i++) {
        struct pair_entry **pp = &p->buckets[i];
        while (*pp) {
            struct pair_entry *e = *pp;
            if (e->next_ms <= now_ms) {
                *pp = e->next;
                free(e);
                p->n_entries--;
            } else {
                pp = &e->next;
            }
        }
    }
    return p->n_entries;
}
