/*
 * Webhook thread (see mock_webhook_sender.h).
 *
 * Data flow: submit() puts a message_t in a bounded ring (mutex, no waiting). The thread
 * drains the ring, plans each message's events (mock_webhook_planner), and keeps them in a
 * min-heap by due time. Due events become POSTs (several statuses of one phone number are
 * batched now and then, always when the receiver falls behind), signed and sent through one
 * libcurl multi handle with at most `concurrency` in flight. A POST not answered 200 goes
 * back into the heap with exponential backoff until retry_max_attempts.
 *
 * The heap holds item_t: either an event (built into a body when due) or a prepared POST
 * waiting for its retry. A reset bumps `generation`; the thread then drops everything older.
 */
#include "mock_webhook_sender.h"

#include "mock_clock.h"
#include "mock_min_heap.h"
#include "mock_random.h"
#include "mock_signature.h"
#include "mock_wamid.h"
#include "mock_webhook_payload.h"
#include "mock_webhook_planner.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MS            20
#define HEAP_LIMIT_RATIO   8
#define BATCH_LOOKAHEAD_MS 150 /* scheduled events allowed per queue slot */
#define ANNOUNCE_MAX       64  /* account changes waiting for the thread */

typedef struct message {
    int refs; /* only touched by the sender thread after submit */
    uint64_t seq;
    int fail_code;
    int64_t accepted_ms; /* the status times derive from it with the sub-second carry */
    int64_t accepted_s;
    char *wamid, *pnid, *to, *callback_data; /* inside the same allocation */
} message_t;

typedef enum { ITEM_EVENT, ITEM_POST } item_type_t;

typedef struct item {
    item_type_t type;
    uint32_t generation;
} item_t;

typedef struct event {
    item_t hdr;
    message_t *msg;
    mock_planned_event_t plan;
} event_t;

typedef struct post {
    item_t hdr;
    char *body;
    size_t len;
    char signature[MOCK_SIGNATURE_LEN];
    int attempts;
    size_t n_statuses, n_replies, n_stop_replies;
    size_t flying_index;
    CURL *easy;
    struct curl_slist *headers;
} post_t;

struct mock_webhook_sender {
    mock_config_holder_t *config;
    mock_counters_t *counters;
    size_t concurrency;
    /* ring, shared with submit() */
    pthread_mutex_t lock;
    message_t **ring;
    size_t cap, head, len;
    uint64_t next_seq;
    atomic_uint generation;
    atomic_bool stopping;
    char *announce[ANNOUNCE_MAX]; /* complete bodies of account changes, under `lock` */
    size_t n_announce;
    /* thread-only state */
    pthread_t thread;
    CURLM *multi;
    mock_min_heap_t heap;
    size_t heap_limit;
    size_t in_flight;
    post_t **flying; /* the in_flight posts, so stop() can free them */
    uint32_t seen_generation;
    uint32_t reply_nonce;
    pthread_mutex_t error_lock;
    char last_error[160]; /* why the latest failed attempt failed, for /mock/stats */
};

/* ---- messages ---------------------------------------------------------------------- */

static message_t *message_new(const char *wamid, const char *pnid, const char *to, const char *cb,
                              int fail_code)
{
    size_t lw = strlen(wamid) + 1, lp = strlen(pnid) + 1, lt = strlen(to) + 1;
    size_t lc = cb ? strlen(cb) + 1 : 0;
    message_t *m = malloc(sizeof *m + lw + lp + lt + lc);
    if (!m)
        return NULL;
    char *p = (char *)(m + 1);
    m->wamid = memcpy(p, wamid, lw);
    m->pnid = memcpy(p += lw, pnid, lp);
    m->to = memcpy(p += lp, to, lt);
    m->callback_data = cb ? memcpy(p + lt, cb, lc) : NULL;
    m->refs = 0;
    m->fail_code = fail_code;
    m->accepted_ms = mock_wall_ms();
    m->accepted_s = m->accepted_ms / 1000;
    return m;
}

static void message_unref(message_t *m)
{
    if (--m->refs <= 0)
        free(m);
}

int mock_webhook_sender_submit(mock_webhook_sender_t *s, const char *wamid,
                               const char *phone_number_id, const char *to,
                               const char *callback_data, int fail_code)
{
    message_t *m = message_new(wamid, phone_number_id, to, callback_data, fail_code);
    pthread_mutex_lock(&s->lock);
    bool full = !m || s->len == s->cap;
    if (!full) {
        m->seq = s->next_seq++;
        s->ring[(s->head + s->len++) % s->cap] = m;
    }
    pthread_mutex_unlock(&s->lock);
    if (full) {
        free(m);
        atomic_fetch_add(&s->counters->wh_queue_dropped, 1);
        return -1;
    }
    atomic_fetch_add(&s->counters->wh_enqueued, 1);
    return 0;
}

int mock_webhook_sender_announce(mock_webhook_sender_t *s, const char *field, json_t *value)
{
    mock_config_t *cfg = mock_config_acquire(s->config);
    json_t *root =
        json_pack("{s:s, s:[{s:s, s:I, s:[{s:O, s:s}]}]}", "object", "whatsapp_business_account",
                  "entry", "id", cfg->waba_id, "time", (json_int_t)(mock_wall_ms() / 1000),
                  "changes", "value", value, "field", field);
    mock_config_unref(cfg);
    char *body = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    pthread_mutex_lock(&s->lock);
    bool full = !body || s->n_announce == ANNOUNCE_MAX;
    if (!full)
        s->announce[s->n_announce++] = body;
    pthread_mutex_unlock(&s->lock);
    if (full) {
        free(body);
        return -1;
    }
    curl_multi_wakeup(s->multi);
    return 0;
}

/* ---- scheduling -------------------------------------------------------------------- */

static void item_free(item_t *it)
{
    if (it->type == ITEM_EVENT) {
        message_unref(((event_t *)it)->msg);
        free(it);
        return;
    }
    post_t *p = (post_t *)it;
    if (p->easy)
        curl_easy_cleanup(p->easy);
    curl_slist_free_all(p->headers);
    free(p->body);
    free(p);
}

static void schedule(mock_webhook_sender_t *s, int64_t due_ms, item_t *it)
{
    mock_min_heap_push(&s->heap, due_ms, it);
    atomic_fetch_add(&s->counters->wh_pending, 1);
}

static void plan_message(mock_webhook_sender_t *s, const mock_config_t *cfg, message_t *m,
                         int64_t now)
{
    mock_plan_t plan;
    mock_webhook_plan(cfg, m->fail_code, &plan);
    if (plan.reordered)
        atomic_fetch_add(&s->counters->wh_reordered, 1);
    atomic_fetch_add(&s->counters->wh_duplicates, plan.duplicates);
    m->refs = 1; /* held by this function until the loop ends */
    for (size_t i = 0; i < plan.n; i++) {
        if (s->heap.len >= s->heap_limit) {
            atomic_fetch_add(&s->counters->wh_events_dropped, plan.n - i);
            break;
        }
        event_t *e = malloc(sizeof *e);
        if (!e)
            abort();
        e->hdr = (item_t){ITEM_EVENT, s->seen_generation};
        e->msg = m;
        e->plan = plan.events[i];
        m->refs++;
        atomic_fetch_add(&s->counters->wh_events, 1);
        schedule(s, now + e->plan.delay_ms, &e->hdr);
    }
    message_unref(m);
}

static post_t *post_new(const mock_config_t *cfg, char *body, uint32_t generation);

/* Account changes go out at once, in the order they were announced. */
static void drain_announcements(mock_webhook_sender_t *s, const mock_config_t *cfg, int64_t now)
{
    char *bodies[ANNOUNCE_MAX];
    pthread_mutex_lock(&s->lock);
    size_t n = s->n_announce;
    memcpy(bodies, s->announce, n * sizeof(*bodies));
    s->n_announce = 0;
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < n; i++) {
        post_t *p = post_new(cfg, bodies[i], s->seen_generation);
        if (p)
            schedule(s, now + (int64_t)i, &p->hdr); /* + i: the heap keeps them in order */
    }
}

static void drain_ring(mock_webhook_sender_t *s, const mock_config_t *cfg, int64_t now)
{
    message_t *batch[1024];
    for (;;) {
        size_t n = 0;
        pthread_mutex_lock(&s->lock);
        while (s->len && n < 1024) {
            batch[n++] = s->ring[s->head];
            s->head = (s->head + 1) % s->cap;
            s->len--;
        }
        pthread_mutex_unlock(&s->lock);
        for (size_t i = 0; i < n; i++)
            plan_message(s, cfg, batch[i], now);
        if (n < 1024)
            return;
    }
}

/* A reset happened: forget everything scheduled. */
static void flush_if_reset(mock_webhook_sender_t *s)
{
    uint32_t g = atomic_load(&s->generation);
    if (g == s->seen_generation)
        return;
    s->seen_generation = g;
    item_t *it;
    while ((it = mock_min_heap_pop(&s->heap))) {
        item_free(it);
        atomic_fetch_sub(&s->counters->wh_pending, 1);
    }
}

/* ---- building POSTs ---------------------------------------------------------------- */

static post_t *post_new(const mock_config_t *cfg, char *body, uint32_t generation)
{
    post_t *p = calloc(1, sizeof *p);
    if (!p || !body) {
        free(p);
        free(body);
        return NULL;
    }
    p->hdr = (item_t){ITEM_POST, generation};
    p->body = body;
    p->len = strlen(body);
    if (mock_signature_header(cfg->app_secret, body, p->len, p->signature))
        p->signature[0] = '\0';
    return p;
}

static mock_webhook_origin_t origin_of(const mock_config_t *cfg, const message_t *m)
{
    return (mock_webhook_origin_t){cfg->waba_id, cfg->display_phone_number, m->pnid};
}

static post_t *reply_post(mock_webhook_sender_t *s, const mock_config_t *cfg, event_t *e)
{
    static const char *const texts[] = {"Yes, tell me more", "Thanks!", "Interested", "Not now",
                                        "Can I get the offer?"};
    char reply_id[MOCK_WAMID_MAX];
    mock_wamid_format(reply_id, e->msg->to, s->reply_nonce, e->msg->seq);
    mock_reply_info_t r = {
        .from = e->msg->to,
        .reply_wamid = reply_id,
        .context_wamid = e->msg->wamid,
        .style = e->plan.reply_style,
        .timestamp_s = mock_wall_ms() / 1000,
        .text = !e->plan.stop                                     ? texts[e->msg->seq % 5]
                : e->plan.reply_style == MOCK_REPLY_QUOTED_BUTTON ? "Stop promotions"
                                                                  : "STOP",
    };
    mock_webhook_origin_t o = origin_of(cfg, e->msg);
    post_t *p = post_new(cfg, mock_webhook_reply_body(&o, &r), e->hdr.generation);
    if (p) {
        p->n_replies = 1;
        p->n_stop_replies = e->plan.stop;
    }
    return p;
}

static mock_status_info_t status_of(const event_t *e)
{
    return (mock_status_info_t){
        .kind = e->plan.kind,
        .wamid = e->msg->wamid,
        .recipient_id = e->msg->to,
        .callback_data = e->msg->callback_data,
        .timestamp_s = (e->msg->accepted_ms + e->plan.happened_ms) / 1000,
        .accepted_s = e->msg->accepted_s,
        .error_code = e->plan.error_code,
    };
}

static bool next_is_batchable(mock_webhook_sender_t *s, const event_t *first, int64_t until)
{
    const mock_heap_item_t *top = mock_min_heap_peek(&s->heap);
    if (!top || top->due_ms > until)
        return false;
    const item_t *it = top->value;
    if (it->type != ITEM_EVENT || it->generation != first->hdr.generation)
        return false;
    const event_t *e = (const event_t *)it;
    return e->plan.kind != MOCK_EV_REPLY && strcmp(e->msg->pnid, first->msg->pnid) == 0;
}

/* Statuses due now for the same phone number, batched sometimes (always under backlog). */
static post_t *status_post(mock_webhook_sender_t *s, const mock_config_t *cfg, event_t *first,
                           int64_t now)
{
    event_t *batch[1000];
    size_t n = 0, max = 1;
    int64_t until = now;
    batch[n++] = first;
    if (mock_random_chance(cfg->batch_share)) {
        /* Meta holds statuses briefly to batch them; events due soon ride along. */
        max = (size_t)cfg->batch_max;
        until = now + BATCH_LOOKAHEAD_MS;
    } else if (s->in_flight * 2 >= s->concurrency) {
        max = (size_t)cfg->batch_max; /* receiver falls behind: batch what is due */
    }
    while (n < max && next_is_batchable(s, first, until)) {
        batch[n++] = mock_min_heap_pop(&s->heap);
        atomic_fetch_sub(&s->counters->wh_pending, 1);
    }
    mock_status_info_t infos[1000];
    for (size_t i = 0; i < n; i++)
        infos[i] = status_of(batch[i]);
    mock_webhook_origin_t o = origin_of(cfg, first->msg);
    post_t *p = post_new(cfg, mock_webhook_statuses_body(&o, infos, n), first->hdr.generation);
    if (p)
        p->n_statuses = n;
    if (n > 1)
        atomic_fetch_add(&s->counters->wh_batched_posts, 1);
    for (size_t i = 1; i < n; i++)
        item_free(&batch[i]->hdr);
    return p;
}

/* ---- HTTP -------------------------------------------------------------------------- */

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    return size * nmemb;
}

static void start_post(mock_webhook_sender_t *s, const mock_config_t *cfg, post_t *p)
{
    if (!p->easy) {
        char sig[MOCK_SIGNATURE_LEN + 32];
        snprintf(sig, sizeof sig, "X-Hub-Signature-256: %s", p->signature);
        p->headers = curl_slist_append(NULL, "Content-Type: application/json");
        p->headers = curl_slist_append(p->headers, sig);
        p->headers = curl_slist_append(p->headers, "Expect:");
        p->easy = curl_easy_init();
        if (!p->easy)
            abort();
        curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->body);
        curl_easy_setopt(p->easy, CURLOPT_POSTFIELDSIZE, (long)p->len);
        curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->headers);
        curl_easy_setopt(p->easy, CURLOPT_USERAGENT, "facebookexternalua");
        curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
    }
    /* The URL and timeout may change at runtime; a retry uses the current ones. */
    curl_easy_setopt(p->easy, CURLOPT_URL, cfg->webhook_url);
    curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, (long)cfg->webhook_timeout_ms);
    p->attempts++;
    atomic_fetch_add(&s->counters->wh_posts, 1);
    curl_multi_add_handle(s->multi, p->easy);
    p->flying_index = s->in_flight;
    s->flying[s->in_flight++] = p;
}

static int64_t backoff_ms(const mock_config_t *cfg, int attempts)
{
    int64_t d = cfg->retry_initial_ms;
    for (int i = 1; i < attempts && d < cfg->retry_max_ms; i++)
        d *= 2;
    if (d > cfg->retry_max_ms)
        d = cfg->retry_max_ms;
    return d / 2 + (int64_t)mock_random_below((uint64_t)d / 2 + 1); /* jitter like Meta's */
}

static void finish_post(mock_webhook_sender_t *s, const mock_config_t *cfg, post_t *p, CURLcode rc)
{
    long status = 0;
    curl_multi_remove_handle(s->multi, p->easy);
    post_t *last = s->flying[--s->in_flight];
    s->flying[p->flying_index] = last;
    last->flying_index = p->flying_index;
    if (rc == CURLE_OK)
        curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200) {
        atomic_fetch_add(&s->counters->wh_posts_ok, 1);
        atomic_fetch_add(&s->counters->wh_statuses, p->n_statuses);
        atomic_fetch_add(&s->counters->wh_replies, p->n_replies);
        atomic_fetch_add(&s->counters->wh_stop_replies, p->n_stop_replies);
    } else {
        atomic_fetch_add(&s->counters->wh_posts_failed, 1);
        pthread_mutex_lock(&s->error_lock);
        if (rc != CURLE_OK)
            snprintf(s->last_error, sizeof s->last_error, "curl: %s", curl_easy_strerror(rc));
        else
            snprintf(s->last_error, sizeof s->last_error, "HTTP %ld", status);
        pthread_mutex_unlock(&s->error_lock);
        if (p->attempts < cfg->retry_max_attempts && p->hdr.generation == s->seen_generation) {
            atomic_fetch_add(&s->counters->wh_retried, 1);
            schedule(s, mock_mono_ms() + backoff_ms(cfg, p->attempts), &p->hdr);
            atomic_fetch_sub(&s->counters->wh_pending, 1); /* moved, not added */
            return;
        }
        atomic_fetch_add(&s->counters->wh_given_up, 1);
    }
    item_free(&p->hdr);
    atomic_fetch_sub(&s->counters->wh_pending, 1);
}

static void collect_finished(mock_webhook_sender_t *s, const mock_config_t *cfg)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(s->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        post_t *p;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
        finish_post(s, cfg, p, msg->data.result);
    }
}

/* ---- the loop ---------------------------------------------------------------------- */

static post_t *post_for(mock_webhook_sender_t *s, const mock_config_t *cfg, item_t *it, int64_t now)
{
    if (it->type == ITEM_POST)
        return (post_t *)it;
    event_t *e = (event_t *)it;
    post_t *p = e->plan.kind == MOCK_EV_REPLY ? reply_post(s, cfg, e) : status_post(s, cfg, e, now);
    item_free(it);
    return p;
}

static void dispatch_due(mock_webhook_sender_t *s, const mock_config_t *cfg, int64_t now)
{
    const mock_heap_item_t *top;
    while (s->in_flight < s->concurrency && (top = mock_min_heap_peek(&s->heap)) &&
           top->due_ms <= now) {
        item_t *it = mock_min_heap_pop(&s->heap);
        if (!cfg->webhook_url[0] || it->generation != s->seen_generation) {
            if (it->generation == s->seen_generation) /* URL switched off meanwhile */
                atomic_fetch_add(&s->counters->wh_events_dropped, 1);
            item_free(it);
            atomic_fetch_sub(&s->counters->wh_pending, 1);
            continue;
        }
        post_t *p = post_for(s, cfg, it, now); /* the event's pending slot passes to p */
        if (!p) {
            atomic_fetch_sub(&s->counters->wh_pending, 1);
            continue;
        }
        start_post(s, cfg, p);
    }
}

static int poll_timeout(mock_webhook_sender_t *s, int64_t now)
{
    const mock_heap_item_t *top = mock_min_heap_peek(&s->heap);
    if (!top || s->in_flight >= s->concurrency)
        return POLL_MS;
    int64_t wait = top->due_ms - now;
    return wait <= 0 ? 0 : wait < POLL_MS ? (int)wait : POLL_MS;
}

static void *run(void *arg)
{
    mock_webhook_sender_t *s = arg;
    while (!atomic_load(&s->stopping)) {
        mock_config_t *cfg = mock_config_acquire(s->config);
        flush_if_reset(s);
        int64_t now = mock_mono_ms();
        drain_ring(s, cfg, now);
        drain_announcements(s, cfg, now);
        dispatch_due(s, cfg, now);
        int running;
        curl_multi_perform(s->multi, &running);
        collect_finished(s, cfg);
        mock_config_unref(cfg);
        curl_multi_poll(s->multi, NULL, 0, poll_timeout(s, mock_mono_ms()), NULL);
    }
    return NULL;
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

mock_webhook_sender_t *mock_webhook_sender_start(mock_config_holder_t *config,
                                                 mock_counters_t *counters, size_t queue_capacity,
                                                 size_t concurrency)
{
    static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
    pthread_once(&curl_once, curl_init_once);
    mock_webhook_sender_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->config = config;
    s->counters = counters;
    s->concurrency = concurrency ? concurrency : 1;
    s->cap = queue_capacity ? queue_capacity : 1;
    s->heap_limit = s->cap * HEAP_LIMIT_RATIO;
    s->ring = calloc(s->cap, sizeof *s->ring);
    s->flying = calloc(s->concurrency, sizeof *s->flying);
    s->multi = curl_multi_init();
    s->reply_nonce = (uint32_t)mock_random_u64();
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->error_lock, NULL);
    mock_min_heap_init(&s->heap);
    if (!s->ring || !s->flying || !s->multi || pthread_create(&s->thread, NULL, run, s) != 0) {
        if (s->multi)
            curl_multi_cleanup(s->multi);
        free(s->ring);
        free(s->flying);
        free(s);
        return NULL;
    }
    curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)s->concurrency);
    return s;
}

static void free_announcements(mock_webhook_sender_t *s)
{
    for (size_t i = 0; i < s->n_announce; i++)
        free(s->announce[i]);
    s->n_announce = 0;
}

void mock_webhook_sender_reset(mock_webhook_sender_t *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->len) {
        free(s->ring[s->head]);
        s->head = (s->head + 1) % s->cap;
        s->len--;
    }
    free_announcements(s);
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add(&s->generation, 1);
    curl_multi_wakeup(s->multi);
}

void mock_webhook_sender_stop(mock_webhook_sender_t *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    curl_multi_wakeup(s->multi);
    pthread_join(s->thread, NULL);
    item_t *it;
    while ((it = mock_min_heap_pop(&s->heap)))
        item_free(it);
    for (size_t i = 0; i < s->in_flight; i++) {
        curl_multi_remove_handle(s->multi, s->flying[i]->easy);
        item_free(&s->flying[i]->hdr);
    }
    curl_multi_cleanup(s->multi);
    mock_min_heap_free(&s->heap);
    free(s->flying);
    for (size_t i = 0; i < s->len; i++)
        free(s->ring[(s->head + i) % s->cap]);
    free(s->ring);
    free_announcements(s);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->error_lock);
    free(s);
}

void mock_webhook_sender_last_error(mock_webhook_sender_t *s, char *out, size_t len)
{
    pthread_mutex_lock(&s->error_lock);
    snprintf(out, len, "%s", s->last_error);
    pthread_mutex_unlock(&s->error_lock);
}
