/*
 * dispatcher_pg_worker.h - the dispatcher's claim and resolution statements run on their own
 * PostgreSQL connection in a plugin-owned thread, so the main thread keeps driving HTTP while
 * a commit is on its way to disk.
 *
 * Why: a synchronous claim or resolution stalls every transfer of the main thread for a round
 * trip plus an fsync. Here the main thread submits statements and carries on; the worker runs
 * everything submitted so far in ONE transaction (one fsync for many batches) in submission
 * order, and hands the results back; the main thread runs each statement's completion in
 * disp_pg_collect(). A claim's completion therefore still runs only after its commit, and a
 * job is still completed only after its resolution is durable.
 *
 * Ownership: disp_pg_submit() takes the `params` strings (malloc'd, freed by the worker
 * whatever happens); `sql` must be a string constant: it is kept, not copied, and its address
 * names the statement prepared for it on the worker's backend. The PGresult handed to a
 * completion is borrowed (NULL = failed).
 */
#ifndef HERALD_DISPATCHER_PG_WORKER_H
#define HERALD_DISPATCHER_PG_WORKER_H

#include <herald/plugin.h>
#include <libpq-fe.h>
#include <stddef.h>

#define DISP_PG_MAX_PARAMS 6
/* Distinct statements prepared per backend; any beyond run unprepared. */
#define DISP_PG_MAX_PREPARED 32

struct disp_pg_worker;

/* Runs on the main thread inside disp_pg_collect(). */
typedef void (*disp_pg_done_fn)(void *user, void *arg, PGresult *result);

struct disp_pg_worker *disp_pg_worker_start(herald_host *host, const struct herald_host_api *api);
/* Queues one statement (FIFO with every other). Returns -1 (params freed) on out of memory. */
int disp_pg_submit(struct disp_pg_worker *w, const char *sql, int nparams, char **params,
                   disp_pg_done_fn done, void *arg);
/* Runs the completions of every finished statement; returns how many. */
int disp_pg_collect(struct disp_pg_worker *w, void *user);
/* Statements submitted whose completion has not run yet. */
size_t disp_pg_pending(const struct disp_pg_worker *w);
/* Stops and joins the thread; unfinished statements are dropped without completion. */
void disp_pg_worker_stop(struct disp_pg_worker *w);

#endif
