/*
 * fuzz_check.h - the one assertion the harnesses use.
 *
 * Why: a harness must fail loudly on a broken invariant in every build (libFuzzer, the gcc
 * replay, NDEBUG release builds), so it cannot rely on assert(). abort() is what libFuzzer
 * reports as a crash and saves a reproducer for.
 */
#ifndef HERALD_FUZZ_CHECK_H
#define HERALD_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
