/*
 * pair_rate_limiter.c - phone -> earliest next send time, in a chained_hash.
 *
 * Why prune instead of an LRU: an entry is useless once its interval has passed, so a sweep
 * every few seconds keeps the table at (sends in the last interval) entries.
 */
#include "pair_rate_limiter.h"

#include <stdlib.h>
#include <string.h>

#include "chained_hash.h"

struct pair_entry {
    struct chained_hash_node link; /* first: a node's address is its entry's */
    int64_t next_ms;
    char phone[16];
};

struct pair_limiter {
    int64_t interval_ms;
    struct chained_hash table;
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
    if (chained_hash_init(&p->table, 4096, 2) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

static int drop_all(struct chained_hash_node *n, void *arg)
{
    (void)arg;
    free((struct pair_entry *)n);
    return 1;
}

void pair_limiter_free(struct pair_limiter *p)
{
    if (!p)
        return;
    chained_hash_remove_if(&p->table, drop_all, NULL);
    chained_hash_free(&p->table);
    free(p);
}

static struct pair_entry *find(struct pair_limiter *p, const char *phone)
{
    uint64_t h = hash_str(phone);
    for (struct chained_hash_node *n = chained_hash_bucket(&p->table, h); n; n = n->next) {
        struct pair_entry *e = (struct pair_entry *)n;
        if (n->hash == h && strcmp(e->phone, phone) == 0)
            return e;
    }
    return NULL;
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
        e = calloc(1, sizeof(*e));
        if (!e)
            return -1;
        strcpy(e->phone, phone);
        chained_hash_add(&p->table, &e->link, hash_str(phone));
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
    struct pair_entry *e = find(p, phone);
    if (e) {
        chained_hash_remove(&p->table, &e->link);
        free(e);
    }
}

static int interval_passed(struct chained_hash_node *n, void *now_ms)
{
    struct pair_entry *e = (struct pair_entry *)n;
    if (e->next_ms > *(const int64_t *)now_ms)
        return 0;
    free(e);
    return 1;
}

size_t pair_limiter_prune(struct pair_limiter *p, int64_t now_ms)
{
    chained_hash_remove_if(&p->table, interval_passed, &now_ms);
    return p->table.len;
}
