/*
 * ctl_parse.c - strict scalar argument parsing; see ctl_parse.h.
 */
#include "ctl_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_parse_id(const char *s, long long *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v <= 0)
        return -1;
    *out = v;
    return 0;
}

int ctl_parse_positive(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v) || !(v > 0))
        return -1;
    *out = v;
    return 0;
}

static int format_utc(time_t t, char *out, size_t len)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return -1;
    return 0;
}

static int parse_relative(const char *s, time_t now, char *out, size_t len)
{
    char *end;
    errno = 0;
    long long n = strtoll(s + 1, &end, 10);
    if (errno || end == s + 1 || n < 0 || strlen(end) != 1)
        return -1;
    long long unit = *end == 's'   ? 1
                     : *end == 'm' ? 60
                     : *end == 'h' ? 3600
                     : *end == 'd' ? 86400
                                   : 0;
    if (unit == 0 || n > 366LL * 86400 / unit)
        return -1;
    return format_utc(now + (time_t)(n * unit), out, len);
}

/* "Z", "", "+hh:mm", "-hhmm" -> seconds east of UTC. */
static int parse_offset(const char *s, long *offset)
{
    if (*s == '\0' || strcmp(s, "Z") == 0) {
        *offset = 0;
        return 0;
    }
    int hh, mm;
    char sign = s[0];
    if ((sign != '+' && sign != '-') ||
        !((strlen(s) == 6 && sscanf(s + 1, "%2d:%2d", &hh, &mm) == 2 && s[3] == ':') ||
          (strlen(s) == 5 && sscanf(s + 1, "%2d%2d", &hh, &mm) == 2)))
        return -1;
    if (hh > 14 || mm > 59)
        return -1;
    *offset = (sign == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
    return 0;
}

static int parse_absolute(const char *s, char *out, size_t len)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M", &tm);
    if (!rest)
        rest = strptime(s, "%Y-%m-%d %H:%M", &tm);
    if (!rest)
        return -1;
    if (*rest == ':') {
        if (!isdigit((unsigned char)rest[1]) || !isdigit((unsigned char)rest[2]))
            return -1;
        tm.tm_sec = (rest[1] - '0') * 10 + (rest[2] - '0');
        rest += 3;
        if (tm.tm_sec > 60)
            return -1;
    }
    long offset;
    if (parse_offset(rest, &offset) != 0)
        return -1;
    struct tm check = tm;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
        return -1; /* e.g. 2026-02-30 normalised into March */
    return format_utc(t - offset, out, len);
}

int ctl_parse_time(const char *s, time_t now, char *out, size_t len)
{
    if (!s || len < 21)
        return -1;
    if (strcmp(s, "now") == 0)
        return format_utc(now, out, len);
    if (s[0] == '+')
        return parse_relative(s, now, out, len);
    return parse_absolute(s, out, len);
}
