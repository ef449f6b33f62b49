/*
 * analytics_opt_keywords.h - is this reply an opt-out ("STOP") or an opt-in ("START")?
 *
 * Why: a business that sends bulk marketing must honour a recipient who answers STOP (or taps
 * the template's "Stop promotions" quick reply), and WhatsApp does not do it for the business.
 * The analytics stage sees every inbound message, so it classifies each one here and the fold
 * (migrations/056) marks the contact opted out, or back in. Only a reply that IS a keyword
 * counts ("stop", " Stop  promotions "), never one that merely contains it ("don't stop"):
 * whitespace at the ends is ignored, inner runs of it count as one space, letters of any
 * script are compared without case (Unicode's simple upper-case mapping, glibc's C.UTF-8:
 * "стоп" is "СТОП", "arrêt" is "ARRÊT"); bytes that are not UTF-8 must match as they are.
 * Pure: no database.
 */
#ifndef HERALD_ANALYTICS_OPT_KEYWORDS_H
#define HERALD_ANALYTICS_OPT_KEYWORDS_H

#include <locale.h>
#include <stddef.h>

#define ANALYTICS_OPT_KEYWORDS_MAX 32
#define ANALYTICS_OPT_KEYWORD_LEN  64 /* bytes of one normalised keyword, without the NUL */

typedef enum analytics_opt {
    ANALYTICS_OPT_NONE = 0,
    ANALYTICS_OPT_OUT = 1,
    ANALYTICS_OPT_IN = 2,
} analytics_opt;

struct analytics_opt_keywords {
    size_t n;
    char word[ANALYTICS_OPT_KEYWORDS_MAX][ANALYTICS_OPT_KEYWORD_LEN + 1]; /* normalised */
    analytics_opt action[ANALYTICS_OPT_KEYWORDS_MAX];
    locale_t utf8; /* glibc's C.UTF-8 for the case mapping; (locale_t)0: ASCII letters only */
};

/* Parses two comma-separated lists ("" or NULL = none) into *k (zeroed, or released before).
 * Returns 0, or -1 with a one-line reason in err (too many, too long, or a keyword in both
 * lists). Release with analytics_opt_keywords_free() either way. */
int analytics_opt_keywords_parse(struct analytics_opt_keywords *k, const char *opt_out,
                                 const char *opt_in, char *err, size_t errlen);

/* Releases what parse took (the locale); *k is zeroed and may be parsed again. */
void analytics_opt_keywords_free(struct analytics_opt_keywords *k);

/* What a reply's text asks for; NONE for NULL, empty or any other text. */
analytics_opt analytics_opt_classify(const struct analytics_opt_keywords *k, const char *text);

/* "out", "in", or NULL for NONE: the staging column's value. */
const char *analytics_opt_name(analytics_opt opt);

#endif
