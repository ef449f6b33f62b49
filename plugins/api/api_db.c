/*
 * api_db.c - PostgreSQL connection pool for MHD threads (see the header for why).
 */
#include "api_db.h"
#include "api_internal.h"
#include "api_time.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct api_db_pool {
    herald_host *host;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int size;
    herald_pg **slots;
    int *busy;
};

struct api_db_pool *api_db_pool_new(herald_host *host, int size)
{
    struct api_db_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->slots = calloc((size_t)size, sizeof(*p->slots));
    p->busy = calloc((size_t)size, sizeof(*p->busy));
    if (!p->slots || !p->busy) {
        free(p->slots);
        free(p->busy);
        free(p);
        return NULL;
    }
    p->host = host;
    p->size = size;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    return p;
}

void api_db_pool_free(struct api_db_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->size; i++)
        if (p->slots[i])
            p->host->api->pg_close(p->slots[i]);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
    free(p->slots);
    free(p->busy);
    free(p);
}

static int take_slot(struct api_db_pool *p, int wait_ms)
{
    struct timespec deadline = api_time_deadline_after(wait_ms);
    pthread_mutex_lock(&p->lock);
    while (1) {
        for (int i = 0; i < p->size; i++) {
            if (!p->busy[i]) {
                p->busy[i] = 1;
                pthread_mutex_unlock(&p->lock);
                return i;
            }
        }
        if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&p->lock);
    return -1;
}

static void give_slot(struct api_db_pool *p, int slot)
{
    pthread_mutex_lock(&p->lock);
    p->busy[slot] = 0;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

int api_db_acquire(struct api_db_pool *p, int wait_ms, struct api_db_lease *lease)
{
    memset(lease, 0, sizeof(*lease));
    int slot = take_slot(p, wait_ms);
    if (slot < 0)
        return -1;
    /* The slot is ours alone now; opening outside the lock keeps others moving. */
    if (!p->slots[slot])
        p->slots[slot] = p->host->api->pg_open(p->host);
    PGconn *conn = p->slots[slot] ? p->host->api->pg_conn(p->slots[slot]) : NULL;
    if (!conn) {
        give_slot(p, slot);
        return -1;
    }
    lease->pool = p;
    lease->slot = slot;
    lease->conn = conn;
    return 0;
}

void api_db_release(struct api_db_lease *lease)
{
    if (!lease->pool)
        return;
    /* A connection left inside a failed transaction would poison the next borrower. */
    if (PQtransactionStatus(lease->conn) != PQTRANS_IDLE)
        PQclear(PQexec(lease->conn, "ROLLBACK"));
    give_slot(lease->pool, lease->slot);
    memset(lease, 0, sizeof(*lease));
}

PGresult *api_db_exec(struct api_db_lease *lease, const char *sql, int nparams,
                      const char *const *params, char sqlstate[6])
{
    if (sqlstate)
        sqlstate[0] = '\0';
    PGresult *res = PQexecParams(lease->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (sqlstate && state) {
        strncpy(sqlstate, state, 5);
        sqlstate[5] = '\0';
    }
    herald_host *h = lease->pool->host;
    const char *msg = PQerrorMessage(lease->conn);
    h->api->log(h, HERALD_LOG_WARN, "api: query failed (%s): %.300s", state ? state : "-",
                msg ? msg : "");
    PQclear(res);
    return NULL;
}

int api_call_db(const struct api_call *call, struct api_reply *r, struct api_db_lease *l)
{
    if (api_db_acquire(call->ctx->db, API_DB_WAIT_MS, l) == 0)
        return 0;
    api_reply_error(r, 503, "", "database unavailable, retry later");
    return -1;
}
