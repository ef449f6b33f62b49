/*
 * phone_number.h - normalises human-written phone numbers to WhatsApp's wa_id form.
 *
 * Why: CSV files carry "+49 151 1234-5678", "0049 (151) 12345678" and the like, while
 * contacts.phone, the jobs key and the Cloud API all use E.164 digits without '+'
 * ("4915112345678"). One function decides, so import, rules and tests agree.
 */
#ifndef HERALD_SEGMENTER_PHONE_NUMBER_H
#define HERALD_SEGMENTER_PHONE_NUMBER_H

#include <stddef.h>

#define PHONE_MAX_DIGITS 15
#define PHONE_MIN_DIGITS 8
#define PHONE_BUF_SIZE   18 /* digits incl. a "00" prefix being removed, plus NUL */

/* Writes the digits to out (>= PHONE_BUF_SIZE bytes). Accepts an optional leading '+' or "00"
 * international prefix and the separators space, tab, '-', '.', '/', '(' and ')'. Returns 0,
 * or -1 with a short reason in `why` (static text) when the result is not 8-15 digits starting
 * with 1-9. National numbers (leading single 0) are refused: we cannot guess the country. */
int phone_normalize(const char *in, char *out, size_t outlen, const char **why);

/* The form to look a typed phone up by: its digits in out (>= PHONE_BUF_SIZE bytes) when it
 * normalises, else `typed` itself (the lookup then finds nothing or refuses it by name). */
const char *phone_lookup_form(const char *typed, char *out, size_t outlen);

#endif
