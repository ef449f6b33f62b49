/*
 * bad_abi_plugin.c - a plugin built against an imaginary future ABI. The loader must refuse
 * it with a message telling the user to rebuild (tests: loader unit test, test_core.py).
 */
#include <herald/plugin.h>

static int init(void *ctx, herald_host *host)
{
    return 0;
}

static const struct herald_plugin bad_abi_plugin = {
    .abi_version = 999,
    .name = "bad_abi",
    .ctx_size = 1,
    .cb_init = init,
};

HERALD_PLUGIN_EXPORT(bad_abi_plugin)
