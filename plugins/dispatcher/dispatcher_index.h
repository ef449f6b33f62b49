/*
 * dispatcher_index.h - the jobs this instance holds, by (campaign_id, recipient_id).
 *
 * Why an index: the segmenter re-emits every still-queued recipient on resume, so the same
 * recipient can arrive twice while its first job is still waiting here (the second copy is
 * completed at once), and a claim's result rows name recipients, not entries.
 * Why it grows (a chained_hash): `kafka.max_in_flight` decides how many jobs are held, and above
 * ~10,000 sends/s it should hold two seconds of sending (docs/dispatcher.md, Known limits);
 * over the fixed 65,536 buckets this replaced, 200,000 held jobs cost ~5 % of the
 * dispatcher's CPU in chains.
 *
 * Ownership: the nodes are embedded in the caller's structures; the index links them but
 * never allocates or frees them.
 */
#ifndef HERALD_DISPATCHER_INDEX_H
#define HERALD_DISPATCHER_INDEX_H

#include "chained_hash.h"

struct disp_index_node {
    struct chained_hash_node link; /* first: a node's address is its link's */
    int64_t campaign_id, recipient_id;
};

struct disp_index {
    struct chained_hash table;
};

/* Starts empty with room for about n jobs before it first grows. -1: out of memory. */
int disp_index_init(struct disp_index *ix, size_t n);
/* Frees the index's own memory; the nodes are the caller's. */
void disp_index_free(struct disp_index *ix);

struct disp_index_node *disp_index_find(const struct disp_index *ix, int64_t campaign_id,
                                        int64_t recipient_id);
/* Links n under its own campaign_id/recipient_id (the caller checks for an existing one). */
void disp_index_add(struct disp_index *ix, struct disp_index_node *n);
/* Unlinks n; a node that is not in the index is left alone. */
void disp_index_remove(struct disp_index *ix, struct disp_index_node *n);
/* Empties the index and returns every node it held; walk them with disp_index_next. */
struct disp_index_node *disp_index_take_all(struct disp_index *ix);

static inline struct disp_index_node *disp_index_next(const struct disp_index_node *n)
{
    return (struct disp_index_node *)n->link.next;
}

#endif
