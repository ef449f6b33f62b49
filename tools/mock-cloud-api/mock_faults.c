/*
 * Fault dice (see mock_faults.h).
 */
#include "mock_faults.h"

#include "mock_random.h"

mock_fault_t mock_faults_roll(const mock_config_t *cfg, int *code)
{
    static const int transient_codes[] = {131000, 1, 2};
    *code = 0;
    if (mock_random_chance(cfg->fail_5xx_share)) {
        *code = transient_codes[mock_random_below(3)];
        return MOCK_FAULT_5XX;
    }
    if (mock_random_chance(cfg->timeout_share))
        return mock_random_chance(cfg->timeout_accepted_share) ? MOCK_FAULT_TIMEOUT_ACCEPTED
                                                               : MOCK_FAULT_TIMEOUT;
    return MOCK_FAULT_NONE;
}

int64_t mock_faults_latency_ms(const mock_config_t *cfg)
{
    return cfg->latency_ms + (int64_t)mock_random_below((uint64_t)cfg->latency_jitter_ms);
}
