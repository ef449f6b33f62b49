/*
 * analytics_merge.c - per-recipient merge of a batch's events (see the header).
 */
#include "analytics_merge.h"

#include <stdlib.h>
#include <string.h>

void analytics_merge_init(struct analytics_merge *m)
{
    memset(m, 0, sizeof *m);
}

static void free_strings(struct analytics_merge *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->entries[i].wamid);
        free(m->entries[i].phone);
        free(m->entries[i].title);
    }
}

void analytics_merge_reset(struct analytics_merge *m)
{
    free_strings(m);
    m->n = 0;
    m->failed = 0;
    if (m->slots)
        memset(m->slots, 0, m->nslots * sizeof *m->slots);
}

void analytics_merge_free(struct analytics_merge *m)
{
    free_strings(m);
    free(m->entries);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static size_t hash_key(int64_t c, int64_t r)
{
    uint64_t h = (uint64_t)c * 0x9E3779B97F4A7C15ULL ^ (uint64_t)r * 0xC2B2AE3D27D4EB4FULL;
    return (size_t)(h ^ (h >> 29));
}

/* Keep the table at most half full. */
static int grow_slots(struct analytics_merge *m)
{
    if (m->nslots >= 2 * (m->n + 1))
        return 0;
    size_t nslots = m->nslots ? 2 * m->nslots : 1024;
    while (nslots < 2 * (m->n + 1))
        nslots *= 2;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t s = hash_key(m->entries[i].campaign_id, m->entries[i].recipient_id) & (nslots - 1);
        while (slots[s])
            s = (s + 1) & (nslots - 1);
        slots[s] = (uint32_t)(i + 1);
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return 0;
}

static struct analytics_merge_entry *find_or_add(struct analytics_merge *m, int64_t c, int64_t r)
{
    if (grow_slots(m) != 0)
        return NULL;
    size_t s = hash_key(c, r) & (m->nslots - 1);
    while (m->slots[s]) {
        struct analytics_merge_entry *e = &m->entries[m->slots[s] - 1];
        if (e->campaign_id == c && e->recipient_id == r)
            return e;
        s = (s + 1) & (m->nslots - 1);
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        void *p = realloc(m->entries, cap * sizeof *m->entries);
        if (!p)
            return NULL;
        m->entries = p;
        m->cap = cap;
    }
    struct analytics_merge_entry *e = &m->entries[m->n];
    memset(e, 0, sizeof *e);
    e->campaign_id = c;
    e->recipient_id = r;
    m->slots[s] = (uint32_t)(++m->n);
    return e;
}

/* *dst := the smaller of *dst and s (strcmp order, like SQL min() under COLLATE "C"). */
static int keep_min(char **dst, const char *s)
{
    if (!s || !s[0] || (*dst && strcmp(*dst, s) <= 0))
        return 0;
    char *copy = strdup(s);
    if (!copy)
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

int analytics_merge_add(struct analytics_merge *m, const struct analytics_event *ev)
{
    if (m->failed)
        return -1;
    struct analytics_merge_entry *e = find_or_add(m, ev->campaign_id, ev->recipient_id);
    if (!e || keep_min(&e->wamid, ev->wamid) != 0 || keep_min(&e->phone, ev->phone) != 0) {
        m->failed = 1;
        return -1;
    }
    struct analytics_state add;
    analytics_event_state(ev, &add);
    int64_t failed_before = e->state.failed_ms;
    int32_t code_before = e->state.error_code;
    const char *title_before = e->state.error_title;
    analytics_state_merge(&e->state, &add);
    int failure_replaced = e->state.failed_ms != failed_before ||
                           e->state.error_code != code_before ||
                           e->state.error_title != title_before;
    if (failure_replaced) {
        /* The new event's failure won: keep our own copy of its title. */
        char *title = add.error_title && add.error_title[0] ? strdup(add.error_title) : NULL;
        if (add.error_title && add.error_title[0] && !title) {
            m->failed = 1;
            return -1;
        }
        free(e->title);
        e->title = title;
        e->state.error_title = title;
    }
    return 0;
}
