/*
 * install_paths.h - where herald-stage finds its plugins and migrations, in a build tree and
 * in an installed one.
 *
 * Why: `cmake --install build --prefix P` lays out P/bin/herald-stage, the plugins in
 * P/lib/herald/ and P/share/herald/migrations; a build tree has build/bin and build/lib, with
 * the migrations in the source tree. Both are found relative to the running binary, so
 * neither needs configuration, and an installed binary never reads a source checkout by
 * accident.
 */
#ifndef HERALD_INSTALL_PATHS_H
#define HERALD_INSTALL_PATHS_H

#include <stddef.h>

/* Writes the canonical path of <directory of the running executable>/<rel> into out when that
 * is a directory; returns 0, or -1 (not a directory, or no room). */
int install_dir_beside_exe(const char *rel, char *out, size_t len);

#endif
