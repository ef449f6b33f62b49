/*
 * contact_opt.c - apply a contact's opt-out / opt-in / erasure request (see the header).
 */
#include "contact_opt.h"

#include "phone_number.h"

#include <herald/retry_backoff.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* $1: a JSON array of phones. Both statements report each phone's state before the change
 * (a sibling CTE reads the snapshot the data-modifying one started from). */
/* clang-format off */
#define REQUEST_CTES                                                                               \
    "WITH req AS (SELECT DISTINCT p AS phone, p ~ '^[1-9][0-9]{7,14}$' AS valid "                  \
    "             FROM jsonb_array_elements_text($1::jsonb) p), "                                  \
    "before AS (SELECT r.phone, r.valid, c.opted_out FROM req r "                                  \
    "           LEFT JOIN contacts c ON c.phone = r.phone), "

static const char OPT_OUT_SQL[] = REQUEST_CTES
    "done AS (INSERT INTO contacts AS c (phone, opted_out, opted_out_at, opt_requested_at) "
    "         SELECT phone, true, now(), now() FROM req WHERE valid "
    "         ON CONFLICT (phone) DO UPDATE SET opted_out = true, "
    "           opted_out_at = CASE WHEN c.opted_out THEN c.opted_out_at ELSE now() END, "
    "           opt_requested_at = now(), updated_at = now() "
    "         RETURNING c.phone) "
    "SELECT b.phone, CASE WHEN NOT b.valid THEN 'refused: not E.164 digits' "
    "                     WHEN b.opted_out IS NULL THEN 'opted out (new contact)' "
    "                     WHEN b.opted_out THEN 'already opted out' "
    "                     ELSE 'opted out' END AS result "
    "FROM before b LEFT JOIN done d ON d.phone = b.phone ORDER BY b.phone";

static const char OPT_IN_SQL[] = REQUEST_CTES
    "done AS (UPDATE contacts c SET opted_out = false, opted_out_at = NULL, "
    "           opt_requested_at = now(), updated_at = now() "
    "         FROM req WHERE req.valid AND c.phone = req.phone RETURNING c.phone) "
    "SELECT b.phone, CASE WHEN NOT b.valid THEN 'refused: not E.164 digits' "
    "                     WHEN b.opted_out IS NULL THEN 'not a contact' "
    "                     WHEN b.opted_out THEN 'opted in' "
    "                     ELSE 'already opted in' END AS result "
    "FROM before b LEFT JOIN done d ON d.phone = b.phone ORDER BY b.phone";

/* One call for the whole request: contact_erase_many reads the delivery table once for all
 * the phones (migration 059), not once per phone. */
static const char ERASE_SQL[] =
    "WITH req AS (SELECT DISTINCT p AS phone, p ~ '^[1-9][0-9]{7,14}$' AS valid "
    "             FROM jsonb_array_elements_text($1::jsonb) p) "
    "SELECT r.phone, CASE WHEN NOT r.valid THEN 'refused: not E.164 digits' "
    "                     ELSE e.result END AS result "
    "FROM req r LEFT JOIN contact_erase_many(ARRAY(SELECT phone FROM req WHERE valid)) e "
    "ON e.phone = r.phone ORDER BY r.phone";
/* clang-format on */

/* True when the statement was rolled back because PostgreSQL chose it as a deadlock's victim
 * (or a serialisation failure) and may simply be run again: the erasure takes the analytics
 * campaign locks before the contact rows, a fold of the person's own STOP takes them the other
 * way round (migration 062), and the fold is retried by its host. Only outside a caller's
 * transaction block, where the failed statement was the whole transaction. */
static int lost_a_lock_conflict(PGconn *pg, const PGresult *res)
{
    if (!res || PQresultStatus(res) != PGRES_FATAL_ERROR || PQtransactionStatus(pg) != PQTRANS_IDLE)
        return 0;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0);
}

/* 50-100 ms, then 100-200: the winner holds its locks for one fold batch. */
static void wait_before_retry(int attempt)
{
    int64_t ms = retry_backoff_ms(attempt, 100, 400, (uint32_t)random());
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The phones as one JSON array, each normalised when it can be (as typed otherwise: the
 * statement then refuses it by name). NULL when out of memory. */
static char *phones_param(const char *const *phones, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        char digits[PHONE_BUF_SIZE];
        const char *v = phone_lookup_form(phones[i], digits, sizeof(digits));
        if (json_array_append_new(arr, json_string(v)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    char *text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    return text;
}

PGresult *contact_opt_apply(PGconn *pg, enum contact_opt_request what, const char *const *phones,
                            size_t n, char *err, size_t errlen)
{
    char *param = phones_param(phones, n);
    if (!param) {
        snprintf(err, errlen, "out of memory (or a phone that is not UTF-8)");
        return NULL;
    }
    const char *params[] = {param};
    const char *sql = what == CONTACT_OPT_OUT  ? OPT_OUT_SQL
                      : what == CONTACT_OPT_IN ? OPT_IN_SQL
                                               : ERASE_SQL;
    PGresult *res = PQexecParams(pg, sql, 1, NULL, params, NULL, NULL, 0);
    for (int attempt = 1; attempt < CONTACT_OPT_ATTEMPTS && lost_a_lock_conflict(pg, res);
         attempt++) {
        PQclear(res);
        wait_before_retry(attempt);
        res = PQexecParams(pg, sql, 1, NULL, params, NULL, NULL, 0);
    }
    free(param);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
    snprintf(err, errlen, "%.*s", (int)strcspn(msg, "\n"), msg);
    PQclear(res);
    return NULL;
}

int contact_opt_result_failed(const char *result)
{
    return strncmp(result, "refused", 7) == 0 || strcmp(result, "not a contact") == 0 ||
           strcmp(result, "not found") == 0;
}
