/*
 * Cheap per-thread pseudo-random numbers for fault injection and webhook planning.
 *
 * Every request rolls a few dice (5xx? timeout? latency jitter?), so a locked global RNG
 * would serialise the request threads. Each thread keeps its own xoshiro256** state, seeded
 * from a process seed (settable with --seed for reproducible runs) mixed with a per-thread
 * counter. Not for anything secret.
 */
#ifndef MOCK_RANDOM_H
#define MOCK_RANDOM_H

#include <stdbool.h>
#include <stdint.h>

/* Sets the process seed; threads that have not drawn yet derive their state from it. */
void mock_random_seed(uint64_t seed);

uint64_t mock_random_u64(void);

/* Uniform double in [0, 1). */
double mock_random_unit(void);

/* True with probability share (share <= 0: never, share >= 1: always). */
bool mock_random_chance(double share);

/* Uniform integer in [0, bound) (bound 0 yields 0). */
uint64_t mock_random_below(uint64_t bound);

#endif
