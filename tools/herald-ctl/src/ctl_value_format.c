/*
 * ctl_value_format.c - display form of query values; see ctl_value_format.h.
 */
#include "ctl_value_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "80.00" -> "80", "0.950" -> "0.95" */
static void strip_zeros(char *s)
{
    if (!strchr(s, '.'))
        return;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
}

static void format_number(const char *name, const char *text, char *out, size_t len)
{
    char *end;
    double v = strtod(text, &end);
    if (*end != '\0' || !isfinite(v)) {
        snprintf(out, len, "%s", text);
        return;
    }
    if (ends_with(name, "_rate") && v >= 0.0 && v <= 1.0) {
        snprintf(out, len, "%.1f%%", v * 100.0);
        return;
    }
    snprintf(out, len, fabs(v) >= 1.0 || v == 0.0 ? "%.2f" : "%.3f", v);
    strip_zeros(out);
}

/* "2026-11-25 20:15:25.212737+00" -> "2026-11-25 20:15:25+00" */
static void format_timestamp(const char *text, char *out, size_t len)
{
    snprintf(out, len, "%s", text);
    char *dot = strchr(out, '.');
    if (!dot)
        return;
    size_t digits = strspn(dot + 1, "0123456789");
    memmove(dot, dot + 1 + digits, strlen(dot + 1 + digits) + 1);
}

void ctl_value_format(unsigned int oid, const char *name, const char *text, char *out, size_t len)
{
    if (len == 0)
        return;
    switch (oid) {
    case CTL_OID_FLOAT4:
    case CTL_OID_FLOAT8:
    case CTL_OID_NUMERIC:
        format_number(name ? name : "", text, out, len);
        break;
    case CTL_OID_TIMESTAMP:
    case CTL_OID_TIMESTAMPTZ:
        format_timestamp(text, out, len);
        break;
    default:
        snprintf(out, len, "%s", text);
    }
}
