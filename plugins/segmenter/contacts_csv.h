/*
 * contacts_csv.h - turns CSV records into contact rows ready for COPY, or a rejection reason.
 *
 * Why: imports run at COPY speed, so every row is checked before it reaches PostgreSQL; one
 * bad row must be reported (line and reason) and must not abort the good ones. Reserved
 * columns (case-insensitive): phone (required), name, tags (';'-separated), opted_out
 * (true/false/1/0/yes/no); every other column becomes a string attribute.
 */
#ifndef HERALD_SEGMENTER_CONTACTS_CSV_H
#define HERALD_SEGMENTER_CONTACTS_CSV_H

#include <stddef.h>

#include "herald/text_buffer.h"
#include "phone_number.h"

#define CSV_MAX_COLUMNS 256

struct csv_header {
    size_t ncols;
    char *names[CSV_MAX_COLUMNS];     /* owned, trimmed */
    int phone, name, tags, opted_out; /* column index, -1 when absent */
};

/* 0, or -1 with a reason (no phone column, duplicate column name, too many columns). */
int csv_header_parse(struct csv_header *h, char *const *fields, size_t n, char *err, size_t errlen);
void csv_header_free(struct csv_header *h);

/* Checks one record and, when valid, appends it as a COPY text-format line
 * (phone \t name \t tags \t opted_out \t attributes-json \n) to `copy`, writing the normalised
 * phone to `phone` (PHONE_BUF_SIZE bytes). Returns 0, or -1 with the reason. */
int csv_row_to_copy(const struct csv_header *h, char *const *fields, size_t n,
                    struct text_buffer *copy, char *phone, char *err, size_t errlen);

/* Appends `s` escaped for COPY text format (backslash, tab, newline, carriage return). */
void copy_text_escape(struct text_buffer *b, const char *s);

#endif
