/*
 * contacts_import.h - CSV contact import at COPY speed with a per-row rejection report.
 *
 * Why: importing a million contacts row by row would take minutes; COPY into a temporary
 * staging table and one set-based upsert take seconds. Rows are checked before COPY
 * (contacts_csv.c) so a bad row is reported with its line and reason and never aborts the
 * good ones; everything else (the upsert, list membership) is one transaction.
 */
#ifndef HERALD_CONTACTS_IMPORT_H
#define HERALD_CONTACTS_IMPORT_H

#include <libpq-fe.h>
#include <stdio.h>

struct import_rejection {
    long line;
    char *reason;
};

struct import_result {
    long accepted; /* rows upserted into contacts and added to the list */
    long rejected;
    struct import_rejection *rejections; /* in file order */
    long inserted;                       /* of accepted: contacts that did not exist before */
    long list_id;
};

/* Imports `in` into the list named `list` (created when missing). Returns 0 (even with
 * rejected rows), or -1 with the reason in `err` when nothing was imported. */
int contacts_import(PGconn *conn, const char *list, FILE *in, struct import_result *out, char *err,
                    size_t errlen);
void import_result_free(struct import_result *r);

#endif
