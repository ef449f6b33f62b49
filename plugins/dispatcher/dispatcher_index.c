/*
 * dispatcher_index.c - the jobs this instance holds, by (campaign_id, recipient_id); see
 * dispatcher_index.h for why it exists and why it grows.
 */
#include "dispatcher_index.h"

#include <stdlib.h>

#define MIN_BUCKETS 16

/* splitmix64's finalizer: campaign and recipient ids are small, dense integers, and the
 * bucket is taken from the low bits, so every input bit has to reach them. */
static size_t slot(size_t n_buckets, int64_t cid, int64_t rid)
{
    uint64_t h = (uint64_t)cid * 0x9E3779B97F4A7C15ULL + (uint64_t)rid;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
    return (size_t)h & (n_buckets - 1);
}

int disp_index_init(struct disp_index *ix, size_t n_buckets)
{
    size_t n = MIN_BUCKETS;
    while (n < n_buckets)
        n *= 2;
    ix->buckets = calloc(n, sizeof(*ix->buckets));
    ix->n_buckets = ix->buckets ? n : 0;
    ix->len = 0;
    return ix->buckets ? 0 : -1;
}

void disp_index_free(struct disp_index *ix)
{
    free(ix->buckets);
    ix->buckets = NULL;
    ix->n_buckets = 0;
    ix->len = 0;
}

struct disp_index_node *disp_index_find(const struct disp_index *ix, int64_t cid, int64_t rid)
{
    if (!ix->n_buckets)
        return NULL;
    for (struct disp_index_node *n = ix->buckets[slot(ix->n_buckets, cid, rid)]; n; n = n->next)
        if (n->campaign_id == cid && n->recipient_id == rid)
            return n;
    return NULL;
}

static void grow(struct disp_index *ix)
{
    size_t n = ix->n_buckets * 2;
    struct disp_index_node **b = calloc(n, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < ix->n_buckets; i++) {
        struct disp_index_node *e = ix->buckets[i];
        while (e) {
            struct disp_index_node *next = e->next;
            size_t k = slot(n, e->campaign_id, e->recipient_id);
            e->next = b[k];
            b[k] = e;
            e = next;
        }
    }
    free(ix->buckets);
    ix->buckets = b;
    ix->n_buckets = n;
}

void disp_index_add(struct disp_index *ix, struct disp_index_node *n)
{
    if (ix->len >= ix->n_buckets)
        grow(ix);
    size_t k = slot(ix->n_buckets, n->campaign_id, n->recipient_id);
    n->next = ix->buckets[k];
    ix->buckets[k] = n;
    ix->len++;
}

void disp_index_remove(struct disp_index *ix, struct disp_index_node *n)
{
    if (!ix->n_buckets)
        return;
    struct disp_index_node **pp =
        &ix->buckets[slot(ix->n_buckets, n->campaign_id, n->recipient_id)];
    for (; *pp; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            ix->len--;
            return;
        }
    }
}

struct disp_index_node *disp_index_take_all(struct disp_index *ix)
{
    struct disp_index_node *all = NULL;
    for (size_t i = 0; i < ix->n_buckets; i++) {
        struct disp_index_node *e = ix->buckets[i];
        while (e) {
            struct disp_index_node *next = e->next;
            e->next = all;
            all = e;
            e = next;
        }
        ix->buckets[i] = NULL;
    }
    ix->len = 0;
    return all;
}
