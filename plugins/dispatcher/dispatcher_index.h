/*
 * dispatcher_index.h - the jobs this instance holds, by (campaign_id, recipient_id): a chained
 * hash table that doubles its buckets when it holds more jobs than buckets.
 *
 * Why an index: the segmenter re-emits every still-queued recipient on resume, so the same
 * recipient can arrive twice while its first job is still waiting here (the second copy is
 * completed at once), and a claim's result rows name recipients, not entries.
 * Why it grows: `kafka.max_in_flight` decides how many jobs are held, and above ~10,000 sends/s
 * it should hold two seconds of sending (docs/dispatcher.md, Known limits); over the fixed
 * 65,536 buckets this replaced, 200,000 held jobs cost ~5 % of the dispatcher's CPU in chains.
 *
 * Ownership: the nodes are embedded in the caller's structures; the index links them but
 * never allocates or frees them. Only the bucket array is the index's own.
 */
#ifndef HERALD_DISPATCHER_INDEX_H
#define HERALD_DISPATCHER_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct disp_index_node {
    int64_t campaign_id, recipient_id;
    struct disp_index_node *next; /* bucket chain; also the list disp_index_take_all returns */
};

struct disp_index {
    struct disp_index_node **buckets;
    size_t n_buckets; /* a power of two */
    size_t len;
};

/* Starts empty with n_buckets (rounded up to a power of two, at least 16). -1: out of memory. */
int disp_index_init(struct disp_index *ix, size_t n_buckets);
/* Frees the bucket array; the nodes are the caller's. */
void disp_index_free(struct disp_index *ix);

struct disp_index_node *disp_index_find(const struct disp_index *ix, int64_t campaign_id,
                                        int64_t recipient_id);
/* Links n under its own campaign_id/recipient_id (the caller checks for an existing one). If
 * the buckets cannot grow for lack of memory the chains just get longer. */
void disp_index_add(struct disp_index *ix, struct disp_index_node *n);
/* Unlinks n; a node that is not in the index is left alone. */
void disp_index_remove(struct disp_index *ix, struct disp_index_node *n);
/* Empties the index and returns every node it held, linked through `next`. */
struct disp_index_node *disp_index_take_all(struct disp_index *ix);

#endif
