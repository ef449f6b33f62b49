/*
 * Per-thread xoshiro256** generator (see mock_random.h for why it is per thread).
 */
#include "mock_random.h"

#include <stdatomic.h>

static atomic_uint_fast64_t process_seed = 0x9e3779b97f4a7c15ULL;
static atomic_uint_fast64_t thread_counter = 0;

static _Thread_local uint64_t state[4];
static _Thread_local bool seeded = false;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void mock_random_seed(uint64_t seed)
{
    atomic_store(&process_seed, seed);
    seeded = false;
}

static void seed_this_thread(void)
{
    uint64_t x =
        atomic_load(&process_seed) + 0x632be59bd9b4e019ULL * atomic_fetch_add(&thread_counter, 1);
    for (int i = 0; i < 4; i++)
        state[i] = splitmix64(&x);
    seeded = true;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t mock_random_u64(void)
{
    if (!seeded)
        seed_this_thread();
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

double mock_random_unit(void)
{
    return (double)(mock_random_u64() >> 11) * 0x1.0p-53;
}

bool mock_random_chance(double share)
{
    if (share <= 0.0)
        return false;
    if (share >= 1.0)
        return true;
    return mock_random_unit() < share;
}

uint64_t mock_random_below(uint64_t bound)
{
    return bound == 0 ? 0 : mock_random_u64() % bound;
}
