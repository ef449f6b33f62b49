/*
 * dispatcher_pg_worker.c - a thread with its own PostgreSQL connection that runs the
 * dispatcher's batch statements in submission order, grouped into one transaction per pass.
 *
 * Why one transaction per pass: every autocommit statement costs an fsync; while the worker
 * is busy the main thread keeps submitting, so the next pass carries every claim and
 * resolution batch that piled up meanwhile, and the commit cost is shared by all of them.
 * A statement that fails inside the group would poison the others, so then the group is
 * rolled back and each statement is run again on its own (autocommit). A failed COMMIT leaves
 * the outcome unknown: every statement of the group is reported failed, as a synchronous
 * statement whose answer was lost would be.
 */
#include "dispatcher_pg_worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stmt {
    const char *sql;
    int nparams;
    char *params[DISP_PG_MAX_PARAMS];
    disp_pg_done_fn done;
    void *arg;
    PGresult *result;
    struct stmt *next;
};

struct disp_pg_worker {
    herald_host *host;
    const struct herald_host_api *api;
    herald_pg *pg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    struct stmt *todo, *todo_tail;   /* submitted, not yet taken by the thread */
    struct stmt *ready, *ready_tail; /* executed, completion not yet run */
    size_t pending;                  /* main thread only: submitted - completed */
    /* worker thread only: the backend tune_session() set up, and the statements prepared on
     * it (statement k is named herald_disp_k there) */
    int session_pid;
    int nprepared;
    const char *prepared[DISP_PG_MAX_PREPARED];
};

static void stmt_free(struct stmt *s)
{
    for (int i = 0; i < s->nparams; i++)
        free(s->params[i]);
    if (s->result)
        PQclear(s->result);
    free(s);
}

static int ok(const PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Why prepared statements: the worker runs the same dozen statements thousands of times a
 * second, and parsing each batch anew costs the server CPU per send (planning still runs per
 * execution, see tune_session).
 * Callers pass string constants, so the text's address names a statement; tune_session()
 * forgets them when the backend changes (a reconnect). The name of statement k, or NULL to
 * run it unprepared (the table is full, or preparing failed). */
static const char *prepared_name(struct disp_pg_worker *w, PGconn *conn, const struct stmt *s,
                                 char *name, size_t len)
{
    int k = 0;
    while (k < w->nprepared && w->prepared[k] != s->sql)
        k++;
    if (k == DISP_PG_MAX_PREPARED)
        return NULL;
    snprintf(name, len, "herald_disp_%d", k);
    if (k == w->nprepared) {
        PGresult *r = PQprepare(conn, name, s->sql, s->nparams, NULL);
        int good = ok(r);
        PQclear(r);
        if (!good)
            return NULL; /* the plain execution below reports why */
        w->prepared[w->nprepared++] = s->sql;
    }
    return name;
}

static PGresult *exec_stmt(struct disp_pg_worker *w, PGconn *conn, struct stmt *s)
{
    char name[32];
    const char *const *params = (const char *const *)s->params;
    const char *prepared = prepared_name(w, conn, s, name, sizeof(name));
    PGresult *r = prepared ? PQexecPrepared(conn, prepared, s->nparams, params, NULL, NULL, 0)
                           : PQexecParams(conn, s->sql, s->nparams, NULL, params, NULL, NULL, 0);
    if (ok(r))
        return r;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (prepared && state && strcmp(state, "26000") == 0)
        w->session_pid = 0; /* not on this backend after all: set it up again next pass */
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
    w->api->log(w->host, HERALD_LOG_WARN, "dispatcher statement failed: %.200s", msg);
    PQclear(r);
    return NULL;
}

static int simple(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    int good = ok(r);
    PQclear(r);
    return good;
}

static void drop_results(struct stmt *list)
{
    for (struct stmt *s = list; s; s = s->next) {
        PQclear(s->result);
        s->result = NULL;
    }
}

static void run_each(struct disp_pg_worker *w, PGconn *conn, struct stmt *list)
{
    for (struct stmt *s = list; s; s = s->next)
        s->result = exec_stmt(w, conn, s);
}

/* Why a planner setting: every batch statement joins an unnest() of a few hundred keys to
 * campaign_recipients by primary key. With PostgreSQL's default random_page_cost (4, made for
 * spinning disks) the planner prefers one sequential scan of the whole table to a few hundred
 * index probes for tables below ~200,000 rows: each resolution batch of 240 then scanned all
 * 40,000 rows of the benchmark's table, 7-18 ms instead of 4 (measured 2026-11-27). 1.1 is the
 * usual value for data in memory or on SSD. And why custom plans for the prepared statements:
 * a generic plan cannot see how many keys an array holds, and on 2026-11-26 the generic plan
 * of the unnest joins cost 20 times the server CPU of the custom one; a generic plan chosen
 * while a table is small would also outlive its growth. Preparing still saves the parsing.
 * Once per backend: a reconnect gets the settings again and starts with no prepared
 * statement (DEALLOCATE ALL also covers a backend that only looked new or old by its PID). */
static void tune_session(struct disp_pg_worker *w, PGconn *conn)
{
    int pid = PQbackendPID(conn);
    if (pid == w->session_pid)
        return;
    w->nprepared = 0;
    if (simple(conn, "SET random_page_cost = 1.1; SET plan_cache_mode = force_custom_plan; "
                     "DEALLOCATE ALL"))
        w->session_pid = pid;
}

/* One pass: everything taken from `todo`, in order. */
static void execute(struct disp_pg_worker *w, struct stmt *list)
{
    PGconn *conn = w->api->pg_conn(w->pg);
    if (!conn)
        return; /* results stay NULL: every completion sees a failure */
    tune_session(w, conn);
    if (!list->next || !simple(conn, "BEGIN")) {
        run_each(w, conn, list);
        return;
    }
    for (struct stmt *s = list; s; s = s->next) {
        if (!(s->result = exec_stmt(w, conn, s))) {
            drop_results(list);
            simple(conn, "ROLLBACK");
            run_each(w, conn, list);
            return;
        }
    }
    if (!simple(conn, "COMMIT"))
        drop_results(list);
}

static void *worker_main(void *arg)
{
    struct disp_pg_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->todo && !w->stop)
            pthread_cond_wait(&w->wake, &w->lock);
        if (w->stop)
            break;
        struct stmt *list = w->todo, *last = w->todo_tail;
        w->todo = w->todo_tail = NULL;
        pthread_mutex_unlock(&w->lock);
        execute(w, list);
        pthread_mutex_lock(&w->lock);
        if (w->ready_tail)
            w->ready_tail->next = list;
        else
            w->ready = list;
        w->ready_tail = last;
        w->api->wakeup(w->host);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct disp_pg_worker *disp_pg_worker_start(herald_host *host, const struct herald_host_api *api)
{
    struct disp_pg_worker *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->host = host;
    w->api = api;
    w->pg = api->pg_open(host);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (!w->pg || pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        if (w->pg)
            api->pg_close(w->pg);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w);
        return NULL;
    }
    return w;
}

int disp_pg_submit(struct disp_pg_worker *w, const char *sql, int nparams, char **params,
                   disp_pg_done_fn done, void *arg)
{
    struct stmt *s = calloc(1, sizeof(*s));
    int missing = nparams > DISP_PG_MAX_PARAMS;
    for (int i = 0; i < nparams && !missing; i++)
        missing = params[i] == NULL;
    if (!s || missing) {
        for (int i = 0; i < nparams; i++)
            free(params[i]);
        free(s);
        return -1;
    }
    s->sql = sql;
    s->nparams = nparams;
    memcpy(s->params, params, sizeof(char *) * (size_t)nparams);
    s->done = done;
    s->arg = arg;
    pthread_mutex_lock(&w->lock);
    if (w->todo_tail)
        w->todo_tail->next = s;
    else
        w->todo = s;
    w->todo_tail = s;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    w->pending++;
    return 0;
}

int disp_pg_collect(struct disp_pg_worker *w, void *user)
{
    pthread_mutex_lock(&w->lock);
    struct stmt *list = w->ready;
    w->ready = w->ready_tail = NULL;
    pthread_mutex_unlock(&w->lock);
    int n = 0;
    while (list) {
        struct stmt *next = list->next;
        w->pending--;
        list->done(user, list->arg, list->result);
        stmt_free(list);
        list = next;
        n++;
    }
    return n;
}

size_t disp_pg_pending(const struct disp_pg_worker *w)
{
    return w ? w->pending : 0;
}

void disp_pg_worker_stop(struct disp_pg_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    for (struct stmt *lists[2] = {w->todo, w->ready}, **l = lists; l < lists + 2; l++)
        while (*l) {
            struct stmt *next = (*l)->next;
            stmt_free(*l);
            *l = next;
        }
    w->api->pg_close(w->pg);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}
