/*
 * emission_window.c - bounded lookahead arithmetic (see header for why).
 */
#include "emission_window.h"

#include <math.h>

int64_t emission_window(const struct emission_config *cfg, double campaign_rate)
{
    double rate = campaign_rate > 0 ? campaign_rate : cfg->default_rate;
    double want = rate > 0 && cfg->lookahead_seconds > 0 ? ceil(rate * cfg->lookahead_seconds) : 0;
    int64_t w = want > (double)INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)want;
    if (w < cfg->lookahead_min)
        w = cfg->lookahead_min;
    if (cfg->lookahead_max > 0 && w > cfg->lookahead_max)
        w = cfg->lookahead_max;
    return w < 1 ? 1 : w;
}

int64_t emission_budget(const struct emission_config *cfg, double campaign_rate, int64_t queued)
{
    int64_t room = emission_window(cfg, campaign_rate) - (queued > 0 ? queued : 0);
    if (room <= 0)
        return 0;
    return cfg->batch_max > 0 && room > cfg->batch_max ? cfg->batch_max : room;
}
