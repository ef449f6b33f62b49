/*
 * ctl_progress_bar.c - text rendering of campaign progress; see ctl_progress_bar.h.
 */
#include "ctl_progress_bar.h"

#include "ctl_eta.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static long long clamp(long long v, long long lo, long long hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static long long max_ll(long long a, long long b)
{
    return a > b ? a : b;
}

long long ctl_progress_done(const struct ctl_progress *p)
{
    if (p->audience <= 0)
        return 0;
    long long by_outcome = max_ll(p->accepted, p->sent) + p->failed;
    long long by_pending = p->pending >= 0 ? p->audience - p->pending : 0;
    return clamp(max_ll(by_outcome, by_pending), 0, p->audience);
}

/* Cells for `count` out of `audience` in `cells`, rounded down. */
static int cells_for(long long count, long long audience, int cells)
{
    if (audience <= 0 || count <= 0)
        return 0;
    return (int)((double)count * cells / (double)audience);
}

size_t ctl_progress_bar(const struct ctl_progress *p, int width, char *buf, size_t len)
{
    if (width < 3 || len < (size_t)width + 1)
        return 0;
    int cells = width - 2;
    long long a = p->audience;
    long long read = clamp(p->read, 0, a);
    long long delivered = clamp(max_ll(p->delivered, read), 0, a);
    long long sent = clamp(max_ll(max_ll(p->accepted, p->sent), delivered), 0, a);
    long long failed = clamp(p->failed, 0, a - sent > 0 ? a - sent : 0);
    int c_read = cells_for(read, a, cells);
    int c_deliv = cells_for(delivered, a, cells) - c_read;
    int c_sent = cells_for(sent, a, cells) - c_read - c_deliv;
    int c_fail = cells_for(sent + failed, a, cells) - cells_for(sent, a, cells);
    int pos = 0;
    buf[pos++] = '[';
    for (int i = 0; i < c_read; i++)
        buf[pos++] = '#';
    for (int i = 0; i < c_deliv; i++)
        buf[pos++] = '=';
    for (int i = 0; i < c_sent; i++)
        buf[pos++] = '-';
    for (int i = 0; i < c_fail; i++)
        buf[pos++] = 'x';
    while (pos < width - 1)
        buf[pos++] = ' ';
    buf[pos++] = ']';
    buf[pos] = '\0';
    return (size_t)pos;
}

static void percent_text(const struct ctl_progress *p, char *buf, size_t len)
{
    if (p->audience <= 0) {
        snprintf(buf, len, "audience not yet known");
        return;
    }
    long long done = ctl_progress_done(p);
    snprintf(buf, len, "%5.1f%% %lld/%lld", 100.0 * (double)done / (double)p->audience, done,
             p->audience);
}

static double effective_eta(const struct ctl_progress *p)
{
    if (p->eta_seconds >= 0)
        return p->eta_seconds;
    if (p->audience <= 0)
        return -1;
    return ctl_eta_seconds(p->audience - ctl_progress_done(p), p->rate);
}

static void rate_eta_text(const struct ctl_progress *p, char *buf, size_t len)
{
    char eta[32];
    ctl_format_duration(effective_eta(p), eta, sizeof(eta));
    if (p->rate > 0)
        snprintf(buf, len, "%.1f/s  ETA %s", p->rate, eta);
    else
        snprintf(buf, len, "--/s  ETA %s", eta);
}

static void truncate_to(char *s, int width)
{
    if (width >= 0 && (int)strlen(s) > width)
        s[width] = '\0';
}

void ctl_progress_lines(const struct ctl_progress *p, int term_width, char *line1, char *line2,
                        size_t len)
{
    char head[96], tail[64], rate[160], bar[128];
    snprintf(head, sizeof(head), "campaign %lld %-9s ", p->campaign_id,
             p->status ? p->status : "?");
    percent_text(p, tail, sizeof(tail));
    int bar_width = term_width - (int)strlen(head) - (int)strlen(tail) - 1;
    if (bar_width > 62)
        bar_width = 62;
    if (bar_width >= 12 && ctl_progress_bar(p, bar_width, bar, sizeof(bar)) > 0)
        snprintf(line1, len, "%s%s %s", head, bar, tail);
    else
        snprintf(line1, len, "%s%s", head, tail);
    if (p->paused_because && *p->paused_because)
        snprintf(rate, sizeof(rate), "%s", p->paused_because);
    else if (p->window_opens_local)
        snprintf(rate, sizeof(rate), "waiting: opens %s", p->window_opens_local);
    else if (p->limit_next_utc && strlen(p->limit_next_utc) >= 16) /* MM-DD HH:MM of the UTC */
        snprintf(rate, sizeof(rate), "waiting: messaging limit, next %.5s %.5sZ",
                 p->limit_next_utc + 5, p->limit_next_utc + 11);
    else
        rate_eta_text(p, rate, sizeof(rate));
    snprintf(line2, len, "sent %lld  delivered %lld  read %lld  failed %lld  replied %lld  |  %s",
             max_ll(p->accepted, p->sent), p->delivered, p->read, p->failed, p->replied, rate);
    truncate_to(line1, term_width);
    truncate_to(line2, term_width);
}

void ctl_progress_plain(const struct ctl_progress *p, char *buf, size_t len)
{
    char eta[32];
    ctl_format_duration(effective_eta(p), eta, sizeof(eta));
    snprintf(buf, len,
             "campaign=%lld status=%s audience=%lld done=%lld accepted=%lld sent=%lld "
             "delivered=%lld read=%lld failed=%lld replied=%lld rate=%.1f/s eta=%s",
             p->campaign_id, p->status ? p->status : "?", p->audience > 0 ? p->audience : 0,
             ctl_progress_done(p), p->accepted, p->sent, p->delivered, p->read, p->failed,
             p->replied, p->rate > 0 ? p->rate : 0.0, eta);
    size_t used = strlen(buf);
    if (p->window_opens_utc && used < len)
        snprintf(buf + used, len - used, " window_opens=%s", p->window_opens_utc);
    used = strlen(buf);
    if (p->limit_next_utc && used < len)
        snprintf(buf + used, len - used, " limit_next_room=%s", p->limit_next_utc);
    used = strlen(buf);
    if (p->paused_because && *p->paused_because && used < len)
        snprintf(buf + used, len - used, " reason=\"%s\"", p->paused_because);
}

static json_t *count_or_null(long long v, int known)
{
    return known ? json_integer(v) : json_null();
}

int ctl_progress_json(const struct ctl_progress *p, char *buf, size_t len)
{
    double eta = effective_eta(p);
    json_t *o = json_pack(
        "{s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
        "campaign_id", (json_int_t)p->campaign_id, "status",
        p->status ? json_string(p->status) : json_null(), "audience",
        count_or_null(p->audience, p->audience > 0), "done", (json_int_t)ctl_progress_done(p),
        "accepted", (json_int_t)p->accepted, "sent", (json_int_t)p->sent, "delivered",
        (json_int_t)p->delivered, "read", (json_int_t)p->read, "failed", (json_int_t)p->failed,
        "replied", (json_int_t)p->replied, "rate_per_second",
        p->rate > 0 ? json_real(round(p->rate * 10) / 10) : json_null(), "eta_seconds",
        eta >= 0 ? json_integer((json_int_t)llround(eta)) : json_null(), "send_window_opens_at",
        p->window_opens_utc ? json_string(p->window_opens_utc) : json_null(),
        "messaging_limit_next_room_at",
        p->limit_next_utc ? json_string(p->limit_next_utc) : json_null(), "paused_because",
        p->paused_because && *p->paused_because ? json_string(p->paused_because) : json_null());
    size_t n = o ? json_dumpb(o, buf, len, JSON_COMPACT | JSON_REAL_PRECISION(10)) : 0;
    json_decref(o);
    if (n == 0 || n >= len)
        return -1;
    buf[n] = '\0';
    return 0;
}
