/*
 * ctl_sibling.c - locate and run a sibling Herald binary; see ctl_sibling.h.
 */
#include "ctl_sibling.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int on_path(const char *name, char *out, size_t len)
{
    const char *path = getenv("PATH");
    if (!path)
        return -1;
    char *copy = strdup(path), *save = NULL;
    int rc = -1;
    for (char *dir = strtok_r(copy, ":", &save); dir && rc; dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/%s", dir, name);
        if (access(out, X_OK) == 0)
            rc = 0;
    }
    free(copy);
    return rc;
}

int ctl_sibling_path(const char *name, char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        snprintf(out, len, "%s/%s", dirname(self), name);
        if (access(out, X_OK) == 0)
            return 0;
    }
    return on_path(name, out, len);
}

int ctl_sibling_run(struct ctl_ctx *ctx, char *const argv[])
{
    setenv("HERALD_PG_CONNINFO", ctx->cfg.conninfo, 1);
    setenv("HERALD_KAFKA_BROKERS", ctx->cfg.brokers, 1);
    setenv("HERALD_TOPIC_PREFIX", ctx->cfg.topic_prefix, 1);
    fflush(stdout);
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    if (err != 0) {
        ctl_errorf("cannot run %s: %s", argv[0], strerror(err));
        return CTL_EXIT_INFRA;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            ctl_errorf("waiting for %s: %s", argv[0], strerror(errno));
            return CTL_EXIT_INFRA;
        }
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    ctl_errorf("%s killed by signal %d", argv[0], WTERMSIG(status));
    return CTL_EXIT_INFRA;
}
