/*
 * chained_hash.c - an intrusive chained hash table (see chained_hash.h for why).
 */
#include "chained_hash.h"

#include <stdlib.h>

#define MIN_BUCKETS 16

/* splitmix64's finalizer: callers pass plain combinations of small, dense ids or FNV hashes
 * of digit strings, and the bucket is taken from the low bits, so every bit has to reach them. */
static size_t bucket_of(size_t n_buckets, uint64_t h)
{
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
    return (size_t)h & (n_buckets - 1);
}

int chained_hash_init(struct chained_hash *t, size_t n_buckets, size_t max_load)
{
    size_t n = MIN_BUCKETS;
    while (n < n_buckets)
        n *= 2;
    t->buckets = calloc(n, sizeof(*t->buckets));
    t->n_buckets = t->buckets ? n : 0;
    t->len = 0;
    t->max_load = max_load ? max_load : 1;
    return t->buckets ? 0 : -1;
}

void chained_hash_free(struct chained_hash *t)
{
    free(t->buckets);
    t->buckets = NULL;
    t->n_buckets = 0;
    t->len = 0;
}

struct chained_hash_node *chained_hash_bucket(const struct chained_hash *t, uint64_t hash)
{
    return t->n_buckets ? t->buckets[bucket_of(t->n_buckets, hash)] : NULL;
}

static void grow(struct chained_hash *t)
{
    size_t n = t->n_buckets * 2;
    struct chained_hash_node **b = calloc(n, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct chained_hash_node *e = t->buckets[i];
        while (e) {
            struct chained_hash_node *next = e->next;
            size_t k = bucket_of(n, e->hash);
            e->next = b[k];
            b[k] = e;
            e = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->n_buckets = n;
}

void chained_hash_add(struct chained_hash *t, struct chained_hash_node *n, uint64_t hash)
{
    if (t->n_buckets && t->len >= t->n_buckets * t->max_load)
        grow(t);
    if (!t->n_buckets) /* never initialised, or out of memory at init: nothing to link into */
        return;
    size_t k = bucket_of(t->n_buckets, hash);
    n->hash = hash;
    n->next = t->buckets[k];
    t->buckets[k] = n;
    t->len++;
}

void chained_hash_remove(struct chained_hash *t, struct chained_hash_node *n)
{
    if (!t->n_buckets)
        return;
    for (struct chained_hash_node **pp = &t->buckets[bucket_of(t->n_buckets, n->hash)]; *pp;
         pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            t->len--;
            return;
        }
    }
}

void chained_hash_remove_if(struct chained_hash *t, int (*drop)(struct chained_hash_node *, void *),
                            void *arg)
{
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct chained_hash_node **pp = &t->buckets[i];
        while (*pp) {
            struct chained_hash_node *e = *pp, *next = e->next; /* drop may free e */
            if (drop(e, arg)) {
                *pp = next;
                t->len--;
            } else {
                pp = &e->next;
            }
        }
    }
}

struct chained_hash_node *chained_hash_take_all(struct chained_hash *t)
{
    struct chained_hash_node *all = NULL;
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct chained_hash_node *e = t->buckets[i];
        while (e) {
            struct chained_hash_node *next = e->next;
            e->next = all;
            all = e;
            e = next;
        }
        t->buckets[i] = NULL;
    }
    t->len = 0;
    return all;
}
