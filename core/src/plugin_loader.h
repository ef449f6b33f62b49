/*
 * plugin_loader.h - find, dlopen and check a plugin shared object.
 *
 * Why separate: loading is where operators meet Herald's first errors (wrong path, stale
 * build, ABI mismatch); each failure gets a one-line message that says what to do next.
 */
#ifndef HERALD_PLUGIN_LOADER_H
#define HERALD_PLUGIN_LOADER_H

#include <stddef.h>

#include "herald/plugin.h"

struct loaded_plugin {
    void *dl;
    const struct herald_plugin *plugin;
    char *path;
};

/* Default plugin folder: <dir of the running executable>/../lib. Caller frees. */
char *plugin_default_dir(void);

/* Resolves the path (explicit `path`, else <plugin_dir>/herald_<name>.so), dlopens it, calls
 * the entry point and checks the registration. Returns 0, or -1 with a message in err. */
int plugin_load(struct loaded_plugin *out, const char *name, const char *path,
                const char *plugin_dir, char *err, size_t errlen);
void plugin_unload(struct loaded_plugin *lp);

#endif
