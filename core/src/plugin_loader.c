/*
 * plugin_loader.c - dlopen a plugin and refuse it early and clearly when it does not fit.
 *
 * Why collectd-style messages: "cannot load plugin 'x' from /p: <dlerror>; build it with
 * `ninja -C build` or set stage.plugin_dir" tells a newcomer the next step instead of leaving
 * them with a bare dlerror.
 */
#include "plugin_loader.h"

#include "install_paths.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *plugin_default_dir(void)
{
    char dir[4096];
    if (install_dir_beside_exe("../lib/herald", dir, sizeof dir) == 0 || /* installed */
        install_dir_beside_exe("../lib", dir, sizeof dir) == 0)          /* build tree */
        return strdup(dir);
    return strdup("lib");
}

static char *resolve_path(const char *name, const char *path, const char *plugin_dir)
{
    if (path && path[0])
        return strdup(path);
    char *def = NULL;
    if (!plugin_dir || !plugin_dir[0])
        plugin_dir = def = plugin_default_dir();
    size_t len = strlen(plugin_dir) + strlen(name) + 16;
    char *full = malloc(len);
    snprintf(full, len, "%s/herald_%s.so", plugin_dir, name);
    free(def);
    return full;
}

static int check_registration(const struct herald_plugin *p, const char *name, const char *path,
                              char *err, size_t errlen)
{
    if (!p) {
        snprintf(err, errlen, "plugin '%s' (%s): %s() returned NULL", name, path,
                 HERALD_PLUGIN_ENTRY);
        return -1;
    }
    if (p->abi_version != HERALD_PLUGIN_ABI_VERSION) {
        snprintf(err, errlen,
                 "plugin '%s' (%s) was built for plugin ABI %u but this herald-stage speaks ABI "
                 "%d; rebuild the plugin against this core/include/herald/plugin.h",
                 name, path, p->abi_version, HERALD_PLUGIN_ABI_VERSION);
        return -1;
    }
    if (!p->name || !p->cb_init) {
        snprintf(err, errlen, "plugin '%s' (%s): registration lacks %s", name, path,
                 !p->name ? "a name" : "cb_init");
        return -1;
    }
    return 0;
}

int plugin_load(struct loaded_plugin *out, const char *name, const char *path,
                const char *plugin_dir, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->path = resolve_path(name, path, plugin_dir);
    out->dl = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
    if (!out->dl) {
        snprintf(err, errlen,
                 "cannot load plugin '%s' from %s: %s; build it with `ninja -C build` or set "
                 "stage.plugin_dir (env HERALD_PLUGIN_DIR) or plugins[].path",
                 name, out->path, dlerror());
        plugin_unload(out);
        return -1;
    }
    dlerror();
    void *sym = dlsym(out->dl, HERALD_PLUGIN_ENTRY);
    if (!sym) {
        snprintf(err, errlen,
                 "plugin '%s' (%s) does not export %s(); define it with "
                 "HERALD_PLUGIN_EXPORT(your_plugin_struct)",
                 name, out->path, HERALD_PLUGIN_ENTRY);
        plugin_unload(out);
        return -1;
    }
    const struct herald_plugin *(*entry)(void);
    *(void **)&entry = sym;
    out->plugin = entry();
    if (check_registration(out->plugin, name, out->path, err, errlen)) {
        plugin_unload(out);
        return -1;
    }
    return 0;
}

void plugin_unload(struct loaded_plugin *lp)
{
    if (lp->dl)
        dlclose(lp->dl);
    lp->dl = NULL;
    free(lp->path);
    lp->path = NULL;
    lp->plugin = NULL;
}
