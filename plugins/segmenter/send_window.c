/*
 * send_window.c - validation of a campaign's send_window (see the header).
 */
#include "send_window.h"

#include <stdio.h>
#include <string.h>

#define TIME_ZONE_MAX 64

/* "HH:MM", 00:00 to 23:59; the minutes of the day in *minutes. */
static int parse_hhmm(const char *s, int *minutes)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return -1;
    *minutes = h * 60 + m;
    return 0;
}

/* An IANA name ("Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5"). */
static int plausible_zone(const char *z)
{
    size_t n = z ? strlen(z) : 0;
    if (n == 0 || n > TIME_ZONE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = z[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '/' || c == '+' || c == '-'))
            return 0;
    }
    return 1;
}

int send_window_normalize(const json_t *w, char *out, size_t outlen, char *err, size_t errlen)
{
    if (!json_is_object(w)) {
        snprintf(err, errlen,
                 "send_window: expected {\"from\": \"HH:MM\", \"to\": \"HH:MM\", \"time_zone\": "
                 "\"Area/City\"} or null");
        return -1;
    }
    const char *key;
    const json_t *ignored;
    json_object_foreach((json_t *)w, key, ignored)
    {
        if (strcmp(key, "from") && strcmp(key, "to") && strcmp(key, "time_zone")) {
            snprintf(err, errlen, "send_window: unknown key '%.64s' (from, to, time_zone)", key);
            return -1;
        }
    }
    const char *from = json_string_value(json_object_get(w, "from"));
    const char *to = json_string_value(json_object_get(w, "to"));
    const json_t *zone_v = json_object_get(w, "time_zone");
    const char *zone = zone_v && !json_is_null(zone_v) ? json_string_value(zone_v) : "UTC";
    int f, t;
    if (parse_hhmm(from, &f) != 0 || parse_hhmm(to, &t) != 0) {
        snprintf(err, errlen, "send_window.%s: expected a local time \"HH:MM\" (00:00-23:59)",
                 parse_hhmm(from, &f) != 0 ? "from" : "to");
        return -1;
    }
    if (f == t) {
        snprintf(err, errlen,
                 "send_window: from and to are equal (an empty window; leave "
                 "send_window out to send at any hour)");
        return -1;
    }
    if (!plausible_zone(zone)) {
        snprintf(err, errlen,
                 "send_window.time_zone: expected a time zone name like "
                 "\"Europe/Berlin\" or \"UTC\"");
        return -1;
    }
    int n = snprintf(out, outlen, "{\"from\":\"%s\",\"to\":\"%s\",\"time_zone\":\"%s\"}", from, to,
                     zone);
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "send_window: too long");
        return -1;
    }
    return 0;
}
