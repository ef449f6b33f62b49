/*
 * api_contacts_csv.h - parses a contacts CSV upload into rows ready for one parameterised
 * upsert.
 *
 * Why: operators import contacts as spreadsheets exports. The header names the columns:
 * `phone` (required), `name`, `tags` (separated by ';'), every other column becomes an
 * attribute. Phones are normalised to WhatsApp's wa_id form (digits, no '+'); bad rows are
 * reported by line and skipped, never silently dropped. Later rows win for a repeated phone.
 *
 * This is the control API's minimal importer; the segmenter's CLI has its own.
 */
#ifndef HERALD_API_CONTACTS_CSV_H
#define HERALD_API_CONTACTS_CSV_H

#include <jansson.h>
#include <stddef.h>

#define API_CSV_MAX_REJECTS_REPORTED 100

struct api_csv_result {
    json_t *rows;    /* [{"phone","name"|null,"attributes":{},"tags":[]}] unique phones */
    size_t rejected; /* rows skipped */
    json_t *rejects; /* first API_CSV_MAX_REJECTS_REPORTED: [{"line":record,"error":"..."}] (header
                        = 1) */
    char error[200]; /* set when the whole file is refused (no phone column, bad CSV) */
};

/* Parses `len` bytes of CSV. Returns 0 (result filled; free with api_csv_result_free) or -1
 * with result->error set. */
int api_contacts_csv_parse(const char *data, size_t len, struct api_csv_result *result);
void api_csv_result_free(struct api_csv_result *result);

/* Normalises a phone ("+49 151-123 45678" -> "4915112345678") into out (at least 16 bytes).
 * Returns 0 when the result is a valid E.164 number without '+', else -1. */
int api_phone_normalise(const char *in, char out[16]);

#endif
