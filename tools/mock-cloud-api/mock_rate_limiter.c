/*
 * Throughput and pair rate limits (see mock_rate_limiter.h).
 *
 * Phone numbers are few, so they sit in a small array scanned linearly. Recipients can be
 * millions, so the pair limiter uses an open-addressing table of 64-bit key hashes -> time
 * of the last accepted send (a hash collision, ~1e-7 at millions of keys, would at worst
 * answer one spurious 131056).
 */
#include "mock_rate_limiter.h"

#include "mock_clock.h"
#include "mock_sliding_window.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *phone_number_id;
    mock_sliding_window_t window;
} number_state_t;

typedef struct {
    uint64_t key; /* 0 = empty slot */
    int64_t last_ms;
} pair_slot_t;

struct mock_rate_limiter {
    pthread_mutex_t lock;
    number_state_t *numbers;
    size_t n_numbers;
    pthread_mutex_t pair_lock;
    pair_slot_t *pairs;
    size_t pair_cap, pair_len;
};

uint64_t mock_hash_parts(const char *const *parts, int n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)(parts[i] ? parts[i] : ""); *p; p++)
            h = (h ^ *p) * 0x100000001b3ULL;
        h = (h ^ 0xff) * 0x100000001b3ULL; /* separator that cannot occur inside a part */
    }
    return h ? h : 1;
}

mock_rate_limiter_t *mock_rate_limiter_new(void)
{
    mock_rate_limiter_t *rl = calloc(1, sizeof *rl);
    if (!rl)
        abort();
    pthread_mutex_init(&rl->lock, NULL);
    pthread_mutex_init(&rl->pair_lock, NULL);
    return rl;
}

void mock_rate_limiter_reset(mock_rate_limiter_t *rl)
{
    pthread_mutex_lock(&rl->lock);
    for (size_t i = 0; i < rl->n_numbers; i++) {
        free(rl->numbers[i].phone_number_id);
        mock_sliding_window_free(&rl->numbers[i].window);
    }
    free(rl->numbers);
    rl->numbers = NULL;
    rl->n_numbers = 0;
    pthread_mutex_unlock(&rl->lock);
    pthread_mutex_lock(&rl->pair_lock);
    free(rl->pairs);
    rl->pairs = NULL;
    rl->pair_cap = rl->pair_len = 0;
    pthread_mutex_unlock(&rl->pair_lock);
}

void mock_rate_limiter_free(mock_rate_limiter_t *rl)
{
    if (!rl)
        return;
    mock_rate_limiter_reset(rl);
    pthread_mutex_destroy(&rl->lock);
    pthread_mutex_destroy(&rl->pair_lock);
    free(rl);
}

static number_state_t *number_state(mock_rate_limiter_t *rl, const char *id)
{
    for (size_t i = 0; i < rl->n_numbers; i++)
        if (strcmp(rl->numbers[i].phone_number_id, id) == 0)
            return &rl->numbers[i];
    number_state_t *n = realloc(rl->numbers, (rl->n_numbers + 1) * sizeof *n);
    if (!n)
        abort();
    rl->numbers = n;
    n = &rl->numbers[rl->n_numbers++];
    n->phone_number_id = strdup(id);
    if (!n->phone_number_id)
        abort();
    mock_sliding_window_init(&n->window);
    return n;
}

static int admit(mock_rate_limiter_t *rl, const char *phone_number_id, double rate, int64_t now_ms,
                 int64_t *admitted_ms)
{
    *admitted_ms = 0;
    if (rate <= 0)
        return 1;
    size_t limit = rate >= 1.0 ? (size_t)floor(rate) : 1;
    int64_t window_ms = rate >= 1.0 ? 1000 : (int64_t)ceil(1000.0 / rate);
    pthread_mutex_lock(&rl->lock);
    if (now_ms <= 0)
        now_ms = mock_wall_ms();
    *admitted_ms = now_ms;
    int ok = mock_sliding_window_admit(&number_state(rl, phone_number_id)->window, now_ms,
                                       window_ms, limit);
    pthread_mutex_unlock(&rl->lock);
    return ok;
}

int mock_rate_limiter_admit(mock_rate_limiter_t *rl, const char *phone_number_id, double rate,
                            int64_t now_ms)
{
    int64_t ignored;
    return admit(rl, phone_number_id, rate, now_ms, &ignored);
}

int mock_rate_limiter_admit_now(mock_rate_limiter_t *rl, const char *phone_number_id, double rate,
                                int64_t *admitted_ms)
{
    return admit(rl, phone_number_id, rate, 0, admitted_ms);
}

static pair_slot_t *pair_find(pair_slot_t *slots, size_t cap, uint64_t key)
{
    size_t i = key & (cap - 1);
    while (slots[i].key && slots[i].key != key)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void pair_grow(mock_rate_limiter_t *rl)
{
    size_t cap = rl->pair_cap ? rl->pair_cap * 2 : 1024;
    pair_slot_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        abort();
    for (size_t i = 0; i < rl->pair_cap; i++)
        if (rl->pairs[i].key)
            *pair_find(slots, cap, rl->pairs[i].key) = rl->pairs[i];
    free(rl->pairs);
    rl->pairs = slots;
    rl->pair_cap = cap;
}

int mock_rate_limiter_admit_pair(mock_rate_limiter_t *rl, const char *phone_number_id,
                                 const char *to, int64_t interval_ms, int64_t now_ms)
{
    if (interval_ms <= 0)
        return 1;
    const char *parts[] = {phone_number_id, to};
    uint64_t key = mock_hash_parts(parts, 2);
    int ok = 1;
    pthread_mutex_lock(&rl->pair_lock);
    if ((rl->pair_len + 1) * 4 >= rl->pair_cap * 3)
        pair_grow(rl);
    pair_slot_t *slot = pair_find(rl->pairs, rl->pair_cap, key);
    if (!slot->key) {
        slot->key = key;
        rl->pair_len++;
        slot->last_ms = now_ms;
    } else if (now_ms - slot->last_ms < interval_ms) {
        ok = 0;
    } else {
        slot->last_ms = now_ms;
    }
    pthread_mutex_unlock(&rl->pair_lock);
    return ok;
}
