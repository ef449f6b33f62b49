/*
 * command_order.c - per-key ordering of commands across retries; see command_order.h.
 *
 * One entry per (topic, partition, key) that has a command waiting for a retry: `head` is
 * that command's offset, `parked` the later commands of the same key in arrival (= offset)
 * order. Entries are few (keys with a failed command right now), so a flat array with a
 * linear search is enough.
 */
#include "command_order.h"

#include <stdlib.h>
#include <string.h>

struct held_key {
    char *topic;
    int32_t partition;
    char *key; /* copy; NULL for a message without key */
    size_t key_len;
    int64_t head;
    struct herald_message **parked;
    size_t nparked, cap;
};

struct command_order {
    struct held_key *keys;
    size_t n, cap;
};

struct command_order *command_order_new(void)
{
    return calloc(1, sizeof(struct command_order));
}

static void held_free(struct held_key *k)
{
    free(k->topic);
    free(k->key);
    free(k->parked);
}

void command_order_free(struct command_order *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++)
        held_free(&o->keys[i]);
    free(o->keys);
    free(o);
}

static int same_key(const struct held_key *k, const struct herald_message *m)
{
    return k->partition == m->partition && strcmp(k->topic, m->topic) == 0 &&
           k->key_len == m->key_len && (m->key_len == 0 || memcmp(k->key, m->key, m->key_len) == 0);
}

static struct held_key *find(struct command_order *o, const struct herald_message *m)
{
    for (size_t i = 0; i < o->n; i++)
        if (same_key(&o->keys[i], m))
            return &o->keys[i];
    return NULL;
}

static void forget(struct command_order *o, struct held_key *k)
{
    held_free(k);
    *k = o->keys[--o->n];
}

static struct held_key *hold(struct command_order *o, const struct herald_message *m)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        struct held_key *keys = realloc(o->keys, cap * sizeof(*keys));
        if (!keys)
            return NULL;
        o->keys = keys;
        o->cap = cap;
    }
    struct held_key k = {.partition = m->partition, .key_len = m->key_len, .head = m->offset};
    k.topic = strdup(m->topic);
    k.key = m->key_len ? malloc(m->key_len) : NULL;
    if (!k.topic || (m->key_len && !k.key)) {
        held_free(&k);
        return NULL;
    }
    if (m->key_len)
        memcpy(k.key, m->key, m->key_len);
    o->keys[o->n] = k;
    return &o->keys[o->n++];
}

static int park(struct held_key *k, struct herald_message *m)
{
    if (k->nparked == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 8;
        struct herald_message **p = realloc(k->parked, cap * sizeof(*p));
        if (!p)
            return -1;
        k->parked = p;
        k->cap = cap;
    }
    k->parked[k->nparked++] = m;
    return 0;
}

int command_order_admit(struct command_order *o, struct herald_message *m)
{
    struct held_key *k = find(o, m);
    if (!k || m->offset <= k->head)
        return 1;
    return park(k, m) == 0 ? 0 : -1;
}

struct herald_message *command_order_settled(struct command_order *o, struct herald_message *m,
                                             int retry)
{
    struct held_key *k = find(o, m);
    if (retry) {
        if (!k)
            hold(o, m);               /* out of memory: order is then not kept for this key */
        else if (m->offset < k->head) /* an older message: it goes first now */
            k->head = m->offset;
        return NULL;
    }
    if (!k || k->head != m->offset)
        return NULL;
    if (k->nparked == 0) {
        forget(o, k);
        return NULL;
    }
    struct herald_message *next = k->parked[0];
    memmove(k->parked, k->parked + 1, (k->nparked - 1) * sizeof(*k->parked));
    k->nparked--;
    k->head = next->offset;
    return next;
}

size_t command_order_release(struct command_order *o, const char *topic, int partition,
                             void (*give_back)(void *arg, struct herald_message *m), void *arg)
{
    size_t released = 0;
    for (size_t i = 0; i < o->n;) {
        struct held_key *k = &o->keys[i];
        if ((partition >= 0 && k->partition != partition) || (topic && strcmp(k->topic, topic))) {
            i++;
            continue;
        }
        for (size_t j = 0; j < k->nparked; j++)
            give_back(arg, k->parked[j]);
        released += k->nparked;
        forget(o, k);
    }
    return released;
}

size_t command_order_parked(const struct command_order *o)
{
    size_t n = 0;
    for (size_t i = 0; i < o->n; i++)
        n += o->keys[i].nparked;
    return n;
}
