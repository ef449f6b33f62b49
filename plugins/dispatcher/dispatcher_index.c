/*
 * dispatcher_index.c - the jobs this instance holds, by (campaign_id, recipient_id); see
 * dispatcher_index.h for why it exists and why it grows.
 */
#include "dispatcher_index.h"

static uint64_t key_hash(int64_t cid, int64_t rid)
{
    return (uint64_t)cid * 0x9E3779B97F4A7C15ULL + (uint64_t)rid; /* chained_hash mixes it */
}

int disp_index_init(struct disp_index *ix, size_t n)
{
    return chained_hash_init(&ix->table, n, 1);
}

void disp_index_free(struct disp_index *ix)
{
    chained_hash_free(&ix->table);
}

struct disp_index_node *disp_index_find(const struct disp_index *ix, int64_t cid, int64_t rid)
{
    uint64_t h = key_hash(cid, rid);
    for (struct chained_hash_node *e = chained_hash_bucket(&ix->table, h); e; e = e->next) {
        struct disp_index_node *n = (struct disp_index_node *)e;
        if (e->hash == h && n->campaign_id == cid && n->recipient_id == rid)
            return n;
    }
    return NULL;
}

void disp_index_add(struct disp_index *ix, struct disp_index_node *n)
{
    chained_hash_add(&ix->table, &n->link, key_hash(n->campaign_id, n->recipient_id));
}

void disp_index_remove(struct disp_index *ix, struct disp_index_node *n)
{
    chained_hash_remove(&ix->table, &n->link);
}

struct disp_index_node *disp_index_take_all(struct disp_index *ix)
{
    return (struct disp_index_node *)chained_hash_take_all(&ix->table);
}
