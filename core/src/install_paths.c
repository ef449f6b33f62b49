/*
 * install_paths.c - directories relative to the running herald-stage (see install_paths.h).
 */
#include "install_paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int install_dir_beside_exe(const char *rel, char *out, size_t len)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    char joined[4096 + 256], real[PATH_MAX];
    int w = snprintf(joined, sizeof joined, "%s/%s", exe, rel);
    struct stat st;
    if (w < 0 || (size_t)w >= sizeof joined || stat(joined, &st) != 0 || !S_ISDIR(st.st_mode) ||
        !realpath(joined, real) || strlen(real) >= len)
        return -1;
    memcpy(out, real, strlen(real) + 1);
    return 0;
}
