/*
 * dispatcher_index.c - the jobs this instance holds, by (campaign_id, recipient_id).
 *
 * Why: the segmenter re-emits every still-queued recipient on resume, so the same recipient
 * can arrive twice while its first job is still waiting here. The second copy is completed
 * at once; the claim in PostgreSQL would refuse it anyway, but this avoids a wasted token.
 */
#include <stdlib.h>

#include "dispatcher_internal.h"

static size_t slot(struct disp_ctx *c, int64_t cid, int64_t rid)
{
    uint64_t h = (uint64_t)cid * 0x9E3779B97F4A7C15ULL ^ (uint64_t)rid * 0xC2B2AE3D27D4EB4FULL;
    return (size_t)(h ^ (h >> 29)) % c->index_buckets;
}

int disp_index_init(struct disp_ctx *c)
{
    c->index_buckets = 65536;
    c->index = calloc(c->index_buckets, sizeof(*c->index));
    return c->index ? 0 : -1;
}

void disp_index_free(struct disp_ctx *c)
{
    free(c->index);
    c->index = NULL;
}

struct disp_entry *disp_index_find(struct disp_ctx *c, int64_t cid, int64_t rid)
{
    for (struct disp_entry *e = c->index[slot(c, cid, rid)]; e; e = e->hnext)
        if (e->job.campaign_id == cid && e->job.recipient_id == rid)
            return e;
    return NULL;
}

int disp_index_add(struct disp_ctx *c, struct disp_entry *e)
{
    size_t k = slot(c, e->job.campaign_id, e->job.recipient_id);
    e->hnext = c->index[k];
    c->index[k] = e;
    c->index_len++;
    return 0;
}

void disp_index_remove(struct disp_ctx *c, struct disp_entry *e)
{
    struct disp_entry **pp = &c->index[slot(c, e->job.campaign_id, e->job.recipient_id)];
    for (; *pp; pp = &(*pp)->hnext) {
        if (*pp == e) {
            *pp = e->hnext;
            c->index_len--;
            return;
        }
    }
}
