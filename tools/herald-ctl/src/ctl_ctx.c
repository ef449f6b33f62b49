/*
 * ctl_ctx.c - shared context and error printing; see ctl_ctx.h.
 */
#include "ctl_ctx.h"

#include "ctl_db.h"

#include <stdarg.h>
#include <stdio.h>

void ctl_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("herald-ctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

PGconn *ctl_ctx_pg(struct ctl_ctx *ctx)
{
    if (ctx->pg)
        return ctx->pg;
    char err[600];
    ctx->pg = ctl_db_connect(ctx->cfg.conninfo, err, sizeof(err));
    if (!ctx->pg)
        ctl_errorf("%s", err);
    return ctx->pg;
}

void ctl_ctx_close(struct ctl_ctx *ctx)
{
    if (ctx->pg)
        PQfinish(ctx->pg);
    ctx->pg = NULL;
}
