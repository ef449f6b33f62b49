/*
 * ctl_eta.c - sliding-window rate and ETA; see ctl_eta.h.
 */
#include "ctl_eta.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void ctl_rate_init(struct ctl_rate_window *w, double span_s)
{
    memset(w, 0, sizeof(*w));
    w->span_s = span_s > 0 ? span_s : 10.0;
}

static void drop_oldest(struct ctl_rate_window *w, int k)
{
    memmove(w->t, w->t + k, sizeof(w->t[0]) * (size_t)(w->n - k));
    memmove(w->v, w->v + k, sizeof(w->v[0]) * (size_t)(w->n - k));
    w->n -= k;
}

void ctl_rate_add(struct ctl_rate_window *w, double t, long long value)
{
    if (w->n == CTL_RATE_WINDOW)
        drop_oldest(w, 1);
    w->t[w->n] = t;
    w->v[w->n] = value;
    w->n++;
    int stale = 0;
    while (stale < w->n - 2 && t - w->t[stale + 1] >= w->span_s)
        stale++;
    if (stale > 0)
        drop_oldest(w, stale);
}

double ctl_rate_per_second(const struct ctl_rate_window *w)
{
    if (w->n < 2)
        return 0.0;
    double dt = w->t[w->n - 1] - w->t[0];
    long long dv = w->v[w->n - 1] - w->v[0];
    if (dt <= 0.0 || dv <= 0)
        return 0.0;
    return (double)dv / dt;
}

double ctl_rate_span(const struct ctl_rate_window *w)
{
    return w->n < 2 ? 0.0 : w->t[w->n - 1] - w->t[0];
}

double ctl_eta_seconds(long long remaining, double rate)
{
    if (remaining <= 0)
        return 0.0;
    if (!(rate > 0.0) || isinf(rate))
        return -1.0;
    return (double)remaining / rate;
}

void ctl_format_duration(double seconds, char *buf, size_t len)
{
    if (len == 0)
        return;
    if (!(seconds >= 0.0) || seconds > 99.0 * 86400.0) {
        snprintf(buf, len, "--");
        return;
    }
    long long s = (long long)ceil(seconds);
    if (s < 60)
        snprintf(buf, len, "%llds", s);
    else if (s < 3600)
        snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, len, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, len, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
}
