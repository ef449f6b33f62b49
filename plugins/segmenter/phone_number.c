/*
 * phone_number.c - phone normalisation to E.164 digits (see header for why).
 */
#include "phone_number.h"

#include <string.h>

static int is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

int phone_normalize(const char *in, char *out, size_t outlen, const char **why)
{
    const char *reason = NULL;
    size_t n = 0;
    int plus = 0, seen_digit = 0;
    if (!in || outlen < PHONE_BUF_SIZE) {
        reason = "no phone";
        goto bad;
    }
    for (const char *p = in; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n >= PHONE_MAX_DIGITS + 2) { /* room for a "00" prefix */
                reason = "too many digits";
                goto bad;
            }
            out[n++] = *p;
            seen_digit = 1;
        } else if (*p == '+' && !seen_digit && !plus) {
            plus = 1;
        } else if (!is_separator(*p)) {
            reason = "invalid character";
            goto bad;
        }
    }
    out[n] = '\0';
    if (!plus && n >= 2 && out[0] == '0' && out[1] == '0') {
        memmove(out, out + 2, n - 1);
        n -= 2;
    }
    if (n == 0) {
        reason = "empty";
        goto bad;
    }
    if (out[0] == '0') {
        reason = "no country code";
        goto bad;
    }
    if (n < PHONE_MIN_DIGITS || n > PHONE_MAX_DIGITS) {
        reason = n < PHONE_MIN_DIGITS ? "too few digits" : "too many digits";
        goto bad;
    }
    if (why)
        *why = NULL;
    return 0;
bad:
    if (outlen)
        out[0] = '\0';
    if (why)
        *why = reason;
    return -1;
}

const char *phone_lookup_form(const char *typed, char *out, size_t outlen)
{
    const char *why = NULL;
    return phone_normalize(typed, out, outlen, &why) == 0 ? out : typed;
}
