/*
 * In-memory send records, duplicate detection and per-number rate statistics
 * (see mock_send_log.h).
 *
 * Layout: a directory of chunks of CHUNK record pointers, allocated on demand; a record is a
 * single malloc block holding its strings. Writers append under `lock`; POST /mock/reset
 * takes `reset_lock` for writing so it never frees a record a reader is printing.
 */
#include "mock_send_log.h"

#include "mock_clock.h"
#include "mock_rate_limiter.h"
#include "mock_sliding_window.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK           65536
#define HISTOGRAM_SLOTS 3600
#define MAX_DUP_LISTED  1000
#define WINDOW_MS       1000

typedef struct record {
    int64_t ts_ms;
    const char *wamid, *phone_number_id, *to, *template_name, *language, *callback_data;
    const char *components; /* header and button parameters, MOCK_COMPONENT_SEP-separated */
    size_t n_params;
    const char **params;
} record_t;

typedef struct {
    uint64_t key; /* 0 = empty */
    uint64_t first_seq;
    uint64_t count;
} dup_slot_t;

typedef struct {
    int64_t second;
    uint64_t count;
} histogram_slot_t;

typedef struct {
    char *phone_number_id;
    uint64_t accepted;
    mock_sliding_window_t window;
    uint64_t max_window;
    int64_t max_window_end_ms;
    histogram_slot_t histogram[HISTOGRAM_SLOTS];
} number_stats_t;

struct mock_send_log {
    pthread_rwlock_t reset_lock;
    pthread_mutex_t lock;
    size_t max_records;
    record_t ***chunks;
    size_t n_chunk_slots;
    uint64_t stored;     /* records present, seq 0..stored-1 */
    uint64_t not_stored; /* accepted beyond max_records */
    dup_slot_t *dups;
    size_t dup_cap, dup_len;
    uint64_t duplicate_sends;
    number_stats_t **numbers;
    size_t n_numbers;
};

mock_send_log_t *mock_send_log_new(size_t max_records)
{
    mock_send_log_t *log = calloc(1, sizeof *log);
    if (!log)
        abort();
    pthread_rwlock_init(&log->reset_lock, NULL);
    pthread_mutex_init(&log->lock, NULL);
    log->max_records = max_records;
    log->n_chunk_slots = max_records / CHUNK + 1;
    log->chunks = calloc(log->n_chunk_slots, sizeof *log->chunks);
    if (!log->chunks)
        abort();
    return log;
}

static void clear_locked(mock_send_log_t *log)
{
    for (uint64_t i = 0; i < log->stored; i++)
        free(log->chunks[i / CHUNK][i % CHUNK]);
    for (size_t c = 0; c < log->n_chunk_slots; c++) {
        free(log->chunks[c]);
        log->chunks[c] = NULL;
    }
    log->stored = log->not_stored = 0;
    free(log->dups);
    log->dups = NULL;
    log->dup_cap = log->dup_len = 0;
    log->duplicate_sends = 0;
    for (size_t i = 0; i < log->n_numbers; i++) {
        free(log->numbers[i]->phone_number_id);
        mock_sliding_window_free(&log->numbers[i]->window);
        free(log->numbers[i]);
    }
    free(log->numbers);
    log->numbers = NULL;
    log->n_numbers = 0;
}

void mock_send_log_reset(mock_send_log_t *log)
{
    pthread_rwlock_wrlock(&log->reset_lock);
    pthread_mutex_lock(&log->lock);
    clear_locked(log);
    pthread_mutex_unlock(&log->lock);
    pthread_rwlock_unlock(&log->reset_lock);
}

void mock_send_log_free(mock_send_log_t *log)
{
    if (!log)
        return;
    clear_locked(log);
    free(log->chunks);
    pthread_mutex_destroy(&log->lock);
    pthread_rwlock_destroy(&log->reset_lock);
    free(log);
}

/* One malloc block: the struct, the param pointer array, then every string. */
#define FIXED_STRINGS 7
static record_t *record_new(const char *wamid, const char *pnid, const mock_send_request_t *req)
{
    size_t n = req->n_params < MOCK_MAX_STORED_PARAMS ? req->n_params : MOCK_MAX_STORED_PARAMS;
    const char *strs[FIXED_STRINGS + MOCK_MAX_STORED_PARAMS] = {
        wamid,          pnid,
        req->wa_id,     req->template_name,
        req->language,  req->callback_data ? req->callback_data : "",
        req->components};
    for (size_t i = 0; i < n; i++)
        strs[FIXED_STRINGS + i] = req->params[i];
    size_t total = sizeof(record_t) + n * sizeof(char *);
    size_t lens[FIXED_STRINGS + MOCK_MAX_STORED_PARAMS];
    for (size_t i = 0; i < FIXED_STRINGS + n; i++)
        total += (lens[i] = strlen(strs[i]) + 1);
    record_t *r = malloc(total);
    if (!r)
        abort();
    r->params = (const char **)(r + 1);
    char *p = (char *)(r->params + n);
    const char **dst[FIXED_STRINGS] = {&r->wamid,         &r->phone_number_id, &r->to,
                                       &r->template_name, &r->language,        &r->callback_data,
                                       &r->components};
    for (size_t i = 0; i < FIXED_STRINGS + n; i++) {
        memcpy(p, strs[i], lens[i]);
        if (i < FIXED_STRINGS)
            *dst[i] = p;
        else
            r->params[i - FIXED_STRINGS] = p;
        p += lens[i];
    }
    r->n_params = n;
    if (!req->callback_data)
        r->callback_data = NULL;
    return r;
}

static dup_slot_t *dup_find(dup_slot_t *slots, size_t cap, uint64_t key)
{
    size_t i = key & (cap - 1);
    while (slots[i].key && slots[i].key != key)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static uint64_t count_duplicate_locked(mock_send_log_t *log, uint64_t key, uint64_t seq)
{
    if ((log->dup_len + 1) * 4 >= log->dup_cap * 3) {
        size_t cap = log->dup_cap ? log->dup_cap * 2 : 4096;
        dup_slot_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            abort();
        for (size_t i = 0; i < log->dup_cap; i++)
            if (log->dups[i].key)
                *dup_find(slots, cap, log->dups[i].key) = log->dups[i];
        free(log->dups);
        log->dups = slots;
        log->dup_cap = cap;
    }
    dup_slot_t *s = dup_find(log->dups, log->dup_cap, key);
    if (!s->key) {
        s->key = key;
        s->first_seq = seq;
        log->dup_len++;
    } else {
        log->duplicate_sends++;
    }
    return ++s->count;
}

static number_stats_t *number_stats_locked(mock_send_log_t *log, const char *pnid)
{
    for (size_t i = 0; i < log->n_numbers; i++)
        if (strcmp(log->numbers[i]->phone_number_id, pnid) == 0)
            return log->numbers[i];
    number_stats_t **arr = realloc(log->numbers, (log->n_numbers + 1) * sizeof *arr);
    number_stats_t *n = calloc(1, sizeof *n);
    if (!arr || !n)
        abort();
    log->numbers = arr;
    arr[log->n_numbers++] = n;
    n->phone_number_id = strdup(pnid);
    if (!n->phone_number_id)
        abort();
    mock_sliding_window_init(&n->window);
    return n;
}

static void count_rate_locked(mock_send_log_t *log, const char *pnid, int64_t ts_ms)
{
    number_stats_t *n = number_stats_locked(log, pnid);
    n->accepted++;
    uint64_t in_window = mock_sliding_window_insert(&n->window, ts_ms, WINDOW_MS);
    if (in_window > n->max_window) {
        n->max_window = in_window;
        n->max_window_end_ms = ts_ms;
    }
    int64_t second = ts_ms / 1000;
    histogram_slot_t *slot = &n->histogram[second % HISTOGRAM_SLOTS];
    if (slot->second != second) {
        slot->second = second;
        slot->count = 0;
    }
    slot->count++;
}

uint64_t mock_send_log_add(mock_send_log_t *log, const char *wamid, const char *phone_number_id,
                           const mock_send_request_t *req, int64_t ts_ms)
{
    record_t *r = NULL;
    const char *key_parts[] = {phone_number_id, req->wa_id, req->callback_data};
    uint64_t key = mock_hash_parts(key_parts, 3);
    pthread_rwlock_rdlock(&log->reset_lock);
    int store = 1;
    pthread_mutex_lock(&log->lock);
    store = log->stored < log->max_records;
    pthread_mutex_unlock(&log->lock);
    if (store)
        r = record_new(wamid, phone_number_id, req); /* allocate outside the lock */
    pthread_mutex_lock(&log->lock);
    if (r && log->stored >= log->max_records) {
        free(r);
        r = NULL;
    }
    /* Taken under the lock so the sliding window sees timestamps in order. */
    int64_t now = ts_ms > 0 ? ts_ms : mock_wall_ms();
    uint64_t seq = r ? log->stored : UINT64_MAX;
    if (r) {
        r->ts_ms = now;
        record_t ***chunk = &log->chunks[seq / CHUNK];
        if (!*chunk && !(*chunk = calloc(CHUNK, sizeof **chunk)))
            abort();
        (*chunk)[seq % CHUNK] = r;
        log->stored++;
    } else {
        log->not_stored++;
    }
    uint64_t seen = count_duplicate_locked(log, key, seq);
    count_rate_locked(log, phone_number_id, now);
    pthread_mutex_unlock(&log->lock);
    pthread_rwlock_unlock(&log->reset_lock);
    return seen;
}

/* Growable text buffer for the dump. */
typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

static void buf_put(buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            abort();
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static int buf_dump_cb(const char *s, size_t n, void *data)
{
    buf_put(data, s, n);
    return 0;
}

static void put_json_string(buf_t *b, const char *s)
{
    if (!s) {
        buf_put(b, "null", 4);
        return;
    }
    json_t *j = json_string(s);
    if (!j) { /* not UTF-8: cannot happen for strings that came out of jansson */
        buf_put(b, "null", 4);
        return;
    }
    json_dump_callback(j, buf_dump_cb, b, JSON_ENCODE_ANY);
    json_decref(j);
}

static void put_record(buf_t *b, const record_t *r, uint64_t seq)
{
    char num[64];
    int n = snprintf(num, sizeof num,
                     "{\"seq\":%llu,\"ts_ms\":%lld,\"wamid\":", (unsigned long long)seq,
                     (long long)r->ts_ms);
    buf_put(b, num, (size_t)n);
    put_json_string(b, r->wamid);
    buf_put(b, ",\"phone_number_id\":", 19);
    put_json_string(b, r->phone_number_id);
    buf_put(b, ",\"to\":", 6);
    put_json_string(b, r->to);
    buf_put(b, ",\"template\":", 12);
    put_json_string(b, r->template_name);
    buf_put(b, ",\"language\":", 12);
    put_json_string(b, r->language);
    buf_put(b, ",\"params\":[", 11);
    for (size_t i = 0; i < r->n_params; i++) {
        if (i)
            buf_put(b, ",", 1);
        put_json_string(b, r->params[i]);
    }
    buf_put(b, "],\"components\":[", 16);
    for (const char *c = r->components; *c;) {
        size_t len = strcspn(c, (const char[]){MOCK_COMPONENT_SEP, '\0'});
        char one[sizeof(((mock_send_request_t *)0)->components)];
        memcpy(one, c, len);
        one[len] = '\0';
        if (c != r->components)
            buf_put(b, ",", 1);
        put_json_string(b, one);
        c += len + (c[len] != '\0');
    }
    buf_put(b, "],\"biz_opaque_callback_data\":", 29);
    put_json_string(b, r->callback_data);
    buf_put(b, "}", 1);
}

char *mock_send_log_dump(mock_send_log_t *log, uint64_t since, size_t limit, size_t *len)
{
    buf_t b = {0};
    buf_put(&b, "[", 1);
    pthread_rwlock_rdlock(&log->reset_lock);
    pthread_mutex_lock(&log->lock);
    uint64_t end = log->stored; /* records below `end` are immutable from here on */
    pthread_mutex_unlock(&log->lock);
    for (uint64_t seq = since, n = 0; seq < end && n < limit; seq++, n++) {
        if (n)
            buf_put(&b, ",\n", 2);
        put_record(&b, log->chunks[seq / CHUNK][seq % CHUNK], seq);
    }
    pthread_rwlock_unlock(&log->reset_lock);
    buf_put(&b, "]\n", 2);
    *len = b.len;
    return b.data;
}

static json_t *number_json(const number_stats_t *n)
{
    json_t *hist = json_array();
    int64_t newest = 0;
    for (size_t i = 0; i < HISTOGRAM_SLOTS; i++)
        if (n->histogram[i].second > newest)
            newest = n->histogram[i].second;
    /* Oldest first: walk the seconds of the last hour in order. */
    for (int64_t s = newest - HISTOGRAM_SLOTS + 1; s <= newest; s++) {
        const histogram_slot_t *slot =
            &n->histogram[(s % HISTOGRAM_SLOTS + HISTOGRAM_SLOTS) % HISTOGRAM_SLOTS];
        if (s > 0 && slot->second == s && slot->count)
            json_array_append_new(hist, json_pack("[I,I]", (json_int_t)s, (json_int_t)slot->count));
    }
    return json_pack("{s:I, s:I, s:I, s:o}", "accepted", (json_int_t)n->accepted,
                     "max_sends_in_1s_window", (json_int_t)n->max_window, "max_window_end_ms",
                     (json_int_t)n->max_window_end_ms, "per_second", hist);
}

static json_t *duplicate_keys_locked(mock_send_log_t *log)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < log->dup_cap && json_array_size(arr) < MAX_DUP_LISTED; i++) {
        const dup_slot_t *s = &log->dups[i];
        if (!s->key || s->count < 2)
            continue;
        json_t *item = json_pack("{s:I}", "count", (json_int_t)s->count);
        if (s->first_seq < log->stored) {
            const record_t *r = log->chunks[s->first_seq / CHUNK][s->first_seq % CHUNK];
            json_object_set_new(item, "phone_number_id", json_string(r->phone_number_id));
            json_object_set_new(item, "to", json_string(r->to));
            json_object_set_new(item, "biz_opaque_callback_data",
                                r->callback_data ? json_string(r->callback_data) : json_null());
        }
        json_array_append_new(arr, item);
    }
    return arr;
}

void mock_send_log_stats(mock_send_log_t *log, json_t *obj)
{
    pthread_rwlock_rdlock(&log->reset_lock);
    pthread_mutex_lock(&log->lock);
    json_t *numbers = json_object();
    uint64_t max_any = 0;
    for (size_t i = 0; i < log->n_numbers; i++) {
        json_object_set_new(numbers, log->numbers[i]->phone_number_id,
                            number_json(log->numbers[i]));
        if (log->numbers[i]->max_window > max_any)
            max_any = log->numbers[i]->max_window;
    }
    json_object_set_new(obj, "records",
                        json_pack("{s:I, s:I, s:I}", "stored", (json_int_t)log->stored,
                                  "not_stored", (json_int_t)log->not_stored, "max",
                                  (json_int_t)log->max_records));
    json_object_set_new(obj, "duplicate_sends", json_integer((json_int_t)log->duplicate_sends));
    json_object_set_new(obj, "duplicate_keys", duplicate_keys_locked(log));
    json_object_set_new(obj, "max_sends_in_1s_window", json_integer((json_int_t)max_any));
    json_object_set_new(obj, "phone_numbers", numbers);
    pthread_mutex_unlock(&log->lock);
    pthread_rwlock_unlock(&log->reset_lock);
}

void mock_send_log_totals(mock_send_log_t *log, uint64_t *stored, uint64_t *not_stored,
                          uint64_t *duplicates)
{
    pthread_mutex_lock(&log->lock);
    *stored = log->stored;
    *not_stored = log->not_stored;
    *duplicates = log->duplicate_sends;
    pthread_mutex_unlock(&log->lock);
}
