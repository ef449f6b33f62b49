/*
 * chained_hash.h - an intrusive hash table with chained buckets that doubles as it fills.
 *
 * Why one table for two uses: the dispatcher keeps two tables that grow with the traffic, the
 * jobs it holds (dispatcher_index.c) and each recipient's next allowed send
 * (pair_rate_limiter.c); they differ only in their keys. Each node carries its key's hash, so
 * the table can grow (rehash) and unlink without knowing the key; a lookup walks
 * chained_hash_bucket() and compares its own keys.
 *
 * Ownership: nodes are embedded in the caller's structures; the table links them but never
 * allocates or frees them. Only the bucket array is the table's own.
 */
#ifndef HERALD_CHAINED_HASH_H
#define HERALD_CHAINED_HASH_H

#include <stddef.h>
#include <stdint.h>

struct chained_hash_node {
    struct chained_hash_node *next; /* bucket chain; also the list chained_hash_take_all returns */
    uint64_t hash;
};

struct chained_hash {
    struct chained_hash_node **buckets;
    size_t n_buckets; /* a power of two */
    size_t len;
    size_t max_load; /* nodes per bucket before the buckets double */
};

/* Starts empty with n_buckets (rounded up to a power of two, at least 16). -1: out of memory. */
int chained_hash_init(struct chained_hash *t, size_t n_buckets, size_t max_load);
/* Frees the bucket array; the nodes are the caller's. */
void chained_hash_free(struct chained_hash *t);
/* The chain holding the nodes of this hash (NULL if none); follow ->next, compare keys. */
struct chained_hash_node *chained_hash_bucket(const struct chained_hash *t, uint64_t hash);
/* Links n under hash, growing the buckets first when full (if that fails for lack of memory
 * the chains just get longer). */
void chained_hash_add(struct chained_hash *t, struct chained_hash_node *n, uint64_t hash);
/* Unlinks n; a node that is not in the table (never added, already removed) is left alone. */
void chained_hash_remove(struct chained_hash *t, struct chained_hash_node *n);
/* Unlinks every node for which drop(node, arg) returns non-zero; drop may free the node. */
void chained_hash_remove_if(struct chained_hash *t, int (*drop)(struct chained_hash_node *, void *),
                            void *arg);
/* Empties the table and returns every node it held, linked through ->next. */
struct chained_hash_node *chained_hash_take_all(struct chained_hash *t);

#endif
