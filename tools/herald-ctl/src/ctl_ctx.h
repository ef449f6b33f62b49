/*
 * ctl_ctx.h - what every herald-ctl subcommand receives: the resolved connection settings,
 * the common flags, a lazily opened PostgreSQL connection, and the exit-code convention.
 *
 * Why this exists: the exit codes are part of herald-ctl's interface (scripts branch on
 * them), so they are defined once: 0 ok; 1 rejected, not found or usage error; 2 Kafka or
 * PostgreSQL unreachable or no outcome in time. Errors are one line on stderr, prefixed
 * "herald-ctl: ".
 */
#ifndef HERALD_CTL_CTX_H
#define HERALD_CTL_CTX_H

#include "ctl_config.h"

#include <libpq-fe.h>
#include <stdbool.h>

enum {
    CTL_EXIT_OK = 0,
    CTL_EXIT_FAIL = 1,  /* rejected / not found / usage */
    CTL_EXIT_INFRA = 2, /* unreachable / timeout */
};

struct ctl_ctx {
    struct ctl_config cfg;
    double timeout_s;      /* --timeout: wait for a command outcome (and for Kafka) */
    bool quiet;            /* -q: print only the essential value (e.g. a new campaign id) */
    bool no_wait;          /* --no-wait: return once Kafka has the command */
    const char *self_path; /* argv[0] resolved, to find sibling binaries */
    PGconn *pg;            /* opened by ctl_ctx_pg(), closed by ctl_ctx_close() */
};

/* Prints "herald-ctl: <message>" on stderr. */
void ctl_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The connection, opened on first use. NULL after printing the reason (exit 2). */
PGconn *ctl_ctx_pg(struct ctl_ctx *ctx);

void ctl_ctx_close(struct ctl_ctx *ctx);

#endif
