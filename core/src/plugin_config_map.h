/*
 * plugin_config_map.h - fill a plugin's context struct from its config section.
 *
 * Why: plugins declare their options once (struct herald_config_option[], Fluent Bit's
 * config_map idea); the host parses, type-checks, applies env overrides and defaults, and
 * prints the same table for --help-config. Plugins never parse their own config.
 */
#ifndef HERALD_PLUGIN_CONFIG_MAP_H
#define HERALD_PLUGIN_CONFIG_MAP_H

#include <libconfig.h>
#include <stdio.h>

#include "herald/plugin.h"

/* Parses `section` (may be NULL) into ctx. `file`, `where` ("plugins[0].config") and `plugin`
 * (its name) only shape error messages. Returns 0, or -1 with a one-line message in err: a
 * key the map does not name, a value of the wrong type, a missing required key. On failure
 * any strings already stored are freed. */
int config_map_apply(const struct herald_config_option *map, const config_setting_t *section,
                     void *ctx, const char *file, const char *where, const char *plugin, char *err,
                     size_t errlen);

/* Frees the strings config_map_apply stored into ctx. */
void config_map_free(const struct herald_config_option *map, void *ctx);

/* Writes a human-readable table of the options (for --help-config). */
void config_map_print(const struct herald_config_option *map, FILE *out);

#endif
