/*
 * analytics_opt_keywords.c - keyword lists and the classification of a reply (see the header).
 */
#include "analytics_opt_keywords.h"

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Writes the upper case of the character at in[0..len) to out (room: cap bytes) and returns
 * how many input bytes it took; *written gets the output length, -1 when it does not fit.
 * Bytes that are not valid UTF-8 are copied one at a time, unchanged. Runs under `utf8`
 * (normalise sets it with uselocale), so mbrtowc, towupper and wcrtomb speak UTF-8. */
static size_t upper_char(locale_t utf8, const char *in, size_t len, char *out, size_t cap,
                         int *written)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t took = utf8 ? mbrtowc(&wc, in, len, &st) : (size_t)-1;
    if (took == 0 || took == (size_t)-1 || took == (size_t)-2) {
        char c = in[0];
        if (cap < 1) {
            *written = -1;
            return 1;
        }
        out[0] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
        *written = 1;
        return 1;
    }
    char buf[MB_LEN_MAX];
    memset(&st, 0, sizeof st);
    size_t n = wcrtomb(buf, (wchar_t)towupper((wint_t)wc), &st);
    if (n == (size_t)-1) { /* no UTF-8 form: keep the input's */
        n = took;
        memcpy(buf, in, took);
    }
    if (n > cap) {
        *written = -1;
        return took;
    }
    memcpy(out, buf, n);
    *written = (int)n;
    return took;
}

/* Normalises in[0..len) into out (cap bytes incl. the NUL). Returns the length, or -1 when it
 * does not fit (then it is no keyword). */
static int normalise(locale_t utf8, const char *in, size_t len, char *out, size_t cap)
{
    locale_t caller = utf8 ? uselocale(utf8) : (locale_t)0;
    size_t n = 0;
    int pending_space = 0, fits = 1;
    for (size_t i = 0; i < len && fits;) {
        if (is_space(in[i])) {
            pending_space = n > 0;
            i++;
            continue;
        }
        if (pending_space) {
            fits = n + 2 < cap;
            out[n] = ' ';
            n += fits;
        }
        pending_space = 0;
        int w = 0;
        i += upper_char(utf8, in + i, len - i, out + n, fits ? cap - 1 - n : 0, &w);
        fits = fits && w >= 0;
        n += fits ? (size_t)w : 0;
    }
    if (utf8)
        uselocale(caller);
    if (!fits)
        return -1;
    out[n] = '\0';
    return (int)n;
}

static analytics_opt find(const struct analytics_opt_keywords *k, const char *word)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->word[i], word) == 0)
            return k->action[i];
    return ANALYTICS_OPT_NONE;
}

static int add_list(struct analytics_opt_keywords *k, const char *list, analytics_opt action,
                    char *err, size_t errlen)
{
    const char *what = action == ANALYTICS_OPT_OUT ? "opt_out_keywords" : "opt_in_keywords";
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char word[ANALYTICS_OPT_KEYWORD_LEN + 1];
        int n = normalise(k->utf8, p, len, word, sizeof word);
        if (n < 0) {
            snprintf(err, errlen, "%s: '%.*s' is longer than %d bytes", what,
                     (int)(len > 40 ? 40 : len), p, ANALYTICS_OPT_KEYWORD_LEN);
            return -1;
        }
        p = comma ? comma + 1 : p + len;
        if (n == 0)
            continue; /* "STOP,,END" or a trailing comma */
        analytics_opt seen = find(k, word);
        if (seen != ANALYTICS_OPT_NONE && seen != action) {
            snprintf(err, errlen, "'%s' is both an opt-out and an opt-in keyword", word);
            return -1;
        }
        if (seen != ANALYTICS_OPT_NONE)
            continue;
        if (k->n == ANALYTICS_OPT_KEYWORDS_MAX) {
            snprintf(err, errlen, "more than %d opt-out and opt-in keywords together",
                     ANALYTICS_OPT_KEYWORDS_MAX);
            return -1;
        }
        memcpy(k->word[k->n], word, (size_t)n + 1);
        k->action[k->n++] = action;
    }
    return 0;
}

int analytics_opt_keywords_parse(struct analytics_opt_keywords *k, const char *opt_out,
                                 const char *opt_in, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    /* glibc's built-in C.UTF-8: Unicode's case mapping whatever the machine's locale settings
     * (the same answer on every host). Absent (another libc): ASCII letters only. */
    k->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (add_list(k, opt_out, ANALYTICS_OPT_OUT, err, errlen) != 0 ||
        add_list(k, opt_in, ANALYTICS_OPT_IN, err, errlen) != 0) {
        analytics_opt_keywords_free(k);
        return -1;
    }
    return 0;
}

void analytics_opt_keywords_free(struct analytics_opt_keywords *k)
{
    if (k->utf8)
        freelocale(k->utf8);
    memset(k, 0, sizeof *k);
}

analytics_opt analytics_opt_classify(const struct analytics_opt_keywords *k, const char *text)
{
    char word[ANALYTICS_OPT_KEYWORD_LEN + 1];
    if (!k || k->n == 0 || !text || normalise(k->utf8, text, strlen(text), word, sizeof word) <= 0)
        return ANALYTICS_OPT_NONE;
    return find(k, word);
}

const char *analytics_opt_name(analytics_opt opt)
{
    return opt == ANALYTICS_OPT_OUT ? "out" : opt == ANALYTICS_OPT_IN ? "in" : NULL;
}
