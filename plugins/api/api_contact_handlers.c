/*
 * api_contact_handlers.c - contacts and lists: CSV import, list listing and creation, and the
 * segment preview (count + sample of an audience).
 *
 * Why: operators prepare audiences through the same API that runs campaigns. The import
 * upserts all rows of a batch with ONE parameterised statement (the rows travel as a single
 * JSON parameter expanded by jsonb_to_recordset), inside one transaction, so a failed import
 * changes nothing. When the segmenter's COPY-based importer (plugins/segmenter/cli/
 * contacts_import.c) is available it is compiled in and used instead (HERALD_API_HAVE_CONTACTS_
 * IMPORT), so the API and herald-contacts/herald-ctl import identically. The preview reuses the
 * segmenter's rule compiler when it is linked (HERALD_API_HAVE_SEGMENTER), so it can never disagree
 * with the audience snapshot; opt-out / opt-in requests apply the segmenter's contact_opt.c, the
 * same statement herald-ctl runs.
 */
#include "api_campaign_validate.h"
#include "api_contacts_csv.h"
#include "api_db.h"
#include "api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HERALD_API_HAVE_SEGMENTER
#include "segment_rules.h"
#endif
#ifdef HERALD_API_HAVE_CONTACTS_IMPORT
#include "contacts_import.h"
#endif
#ifdef HERALD_API_HAVE_SEGMENTER
#include "contact_opt.h"
#endif

#define IMPORT_BATCH   5000
#define LIST_NAME_MAX  200
#define PREVIEW_SAMPLE 20
#define PREVIEW_MAX    100

static const char upsert_sql[] =
    "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb)"
    "   AS r(phone text, name text, attributes jsonb, tags text[])),"
    " up AS (INSERT INTO contacts (phone, name, attributes, tags)"
    "   SELECT phone, name, coalesce(attributes, '{}'::jsonb), coalesce(tags, '{}') FROM r"
    "   ON CONFLICT (phone) DO UPDATE SET name = coalesce(EXCLUDED.name, contacts.name),"
    "     attributes = contacts.attributes || EXCLUDED.attributes,"
    "     tags = ARRAY(SELECT DISTINCT t FROM unnest(contacts.tags || EXCLUDED.tags) t),"
    "     updated_at = now()"
    "   RETURNING id, (xmax = 0) AS inserted),"
    " mem AS (INSERT INTO contact_list_members (list_id, contact_id)"
    "   SELECT $2::bigint, id FROM up WHERE $2::bigint IS NOT NULL ON CONFLICT DO NOTHING)"
    " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up";

/* The target list from ?list_id=N (must exist) or ?list=name (created when missing).
 * Returns 1 with id and name, 0 when no list was asked for, -1 after replying. */
static int import_list(const struct api_call *call, struct api_reply *r, struct api_db_lease *l,
                       char id[24], char name[LIST_NAME_MAX + 1])
{
    const char *list_id = api_call_query(call, "list_id");
    const char *list = api_call_query(call, "list");
    PGresult *res;
    if (list_id) {
        const char *p[1] = {list_id};
        char *end = NULL;
        long long v = strtoll(list_id, &end, 10);
        if (!*list_id || *end || v <= 0) {
            api_reply_error(r, 400, "list_id", "list_id must be a positive integer");
            return -1;
        }
        res =
            api_db_exec(l, "SELECT id, name FROM contact_lists WHERE id = $1::bigint", 1, p, NULL);
    } else if (list) {
        if (!*list || strlen(list) > LIST_NAME_MAX) {
            api_reply_error(r, 400, "list", "list must be a name of 1 to %d bytes", LIST_NAME_MAX);
            return -1;
        }
        const char *p[1] = {list};
        res = api_db_exec(l,
                          "INSERT INTO contact_lists (name) VALUES ($1) ON CONFLICT (name)"
                          " DO UPDATE SET name = EXCLUDED.name RETURNING id, name",
                          1, p, NULL);
    } else {
        return 0;
    }
    if (!res) {
        api_reply_error(r, 503, "", "database error, retry later");
        return -1;
    }
    int found = PQntuples(res) == 1;
    if (found) {
        snprintf(id, 24, "%s", PQgetvalue(res, 0, 0));
        snprintf(name, LIST_NAME_MAX + 1, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    if (!found)
        api_reply_error(r, 404, "list_id", "list %s does not exist", list_id);
    return found ? 1 : -1;
}

#ifdef HERALD_API_HAVE_CONTACTS_IMPORT
/* The segmenter's importer (COPY into a staging table, one set-based upsert, one
 * transaction; rejected rows reported by file line), fed from the request body. */
static void import_with_segmenter(const struct api_call *call, struct api_reply *r,
                                  struct api_db_lease *l, const char *list_name)
{
    FILE *in = fmemopen((void *)call->body, call->body_len, "r");
    struct import_result res;
    char err[512] = "";
    if (!in) {
        api_reply_error(r, 500, "", "cannot read the request body");
        return;
    }
    int rc = contacts_import(l->conn, list_name, in, &res, err, sizeof(err));
    fclose(in);
    if (rc != 0) {
        if (PQstatus(l->conn) == CONNECTION_BAD)
            api_reply_error(r, 503, "", "database unavailable, nothing was imported");
        else
            api_reply_error(r, 400, "", "import refused, nothing was imported: %s", err);
        return;
    }
    json_t *rejects = json_array();
    for (long i = 0; i < res.rejected && i < API_CSV_MAX_REJECTS_REPORTED; i++)
        json_array_append_new(rejects,
                              json_pack("{s:I, s:s}", "line", (json_int_t)res.rejections[i].line,
                                        "error", res.rejections[i].reason));
    api_reply_json(r, 200,
                   json_pack("{s:I, s:I, s:I, s:o, s:I}", "inserted", (json_int_t)res.inserted,
                             "updated", (json_int_t)(res.accepted - res.inserted), "rejected",
                             (json_int_t)res.rejected, "rejects", rejects, "list_id",
                             (json_int_t)res.list_id));
    import_result_free(&res);
}
#endif

/* Upserts rows in batches inside the caller's transaction. Returns 0 or -1. */
static int upsert_rows(struct api_db_lease *l, json_t *rows, const char *list_id,
                       long long *inserted, long long *updated)
{
    size_t n = json_array_size(rows);
    for (size_t start = 0; start < n; start += IMPORT_BATCH) {
        json_t *batch = json_array();
        for (size_t i = start; i < n && i < start + IMPORT_BATCH; i++)
            json_array_append(batch, json_array_get(rows, i));
        char *text = json_dumps(batch, JSON_COMPACT);
        json_decref(batch);
        if (!text)
            return -1;
        const char *params[2] = {text, list_id};
        PGresult *res = api_db_exec(l, upsert_sql, 2, params, NULL);
        free(text);
        if (!res)
            return -1;
        *inserted += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *updated += strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        PQclear(res);
    }
    return 0;
}

static int exec_simple(struct api_db_lease *l, const char *sql)
{
    PGresult *res = api_db_exec(l, sql, 0, NULL, NULL);
    PQclear(res);
    return res ? 0 : -1;
}

/* The API's own minimal importer, used when the segmenter's is not built in. */
static void import_minimal(const struct api_call *call, struct api_reply *r, struct api_db_lease *l,
                           const char *list_id)
{
    struct api_csv_result csv;
    if (api_contacts_csv_parse(call->body, call->body_len, &csv) != 0) {
        api_reply_error(r, 400, "", "%s", csv.error);
        return;
    }
    long long inserted = 0, updated = 0;
    int ok = exec_simple(l, "BEGIN") == 0 &&
             upsert_rows(l, csv.rows, list_id, &inserted, &updated) == 0 &&
             exec_simple(l, "COMMIT") == 0;
    if (!ok) {
        api_reply_error(r, 503, "", "database error, nothing was imported");
    } else {
        json_t *body = json_pack("{s:I, s:I, s:I, s:O}", "inserted", (json_int_t)inserted,
                                 "updated", (json_int_t)updated, "rejected",
                                 (json_int_t)csv.rejected, "rejects", csv.rejects);
        json_object_set_new(body, "list_id",
                            list_id ? json_integer(strtoll(list_id, NULL, 10)) : json_null());
        api_reply_json(r, 200, body);
    }
    api_csv_result_free(&csv);
}

void api_handle_contacts_import(const struct api_call *call, struct api_reply *r)
{
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    char list_id[24] = "", list_name[LIST_NAME_MAX + 1] = "";
    int has_list = import_list(call, r, &l, list_id, list_name);
#ifdef HERALD_API_HAVE_CONTACTS_IMPORT
    (void)import_minimal;
    if (has_list == 0)
        api_reply_error(r, 400, "list", "name the target list: ?list=<name> or ?list_id=<id>");
    else if (has_list > 0)
        import_with_segmenter(call, r, &l, list_name);
#else
    if (has_list >= 0)
        import_minimal(call, r, &l, has_list ? list_id : NULL);
#endif
    api_db_release(&l); /* rolls back if a transaction was left open */
}

void api_handle_list_list(const struct api_call *call, struct api_reply *r)
{
    static const char sql[] =
        "SELECT coalesce(json_agg(json_build_object('id', l.id, 'name', l.name, 'created_at',"
        " l.created_at, 'members', (SELECT count(*) FROM contact_list_members m"
        " WHERE m.list_id = l.id)) ORDER BY l.id), '[]'::json)::text FROM contact_lists l";
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    PGresult *res = api_db_exec(&l, sql, 0, NULL, NULL);
    api_db_release(&l);
    if (!res) {
        api_reply_error(r, 503, "", "database error, retry later");
        return;
    }
    json_t *lists = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    api_reply_json(r, 200, json_pack("{s:o}", "lists", lists ? lists : json_array()));
}

void api_handle_list_create(const struct api_call *call, struct api_reply *r)
{
    json_t *body = api_call_json(call, r, 0);
    if (!body)
        return;
    const json_t *name = json_object_get(body, "name");
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        json_string_length(name) > LIST_NAME_MAX) {
        json_decref(body);
        api_reply_error(r, 400, "name", "name must be a string of 1 to %d bytes", LIST_NAME_MAX);
        return;
    }
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0) {
        json_decref(body);
        return;
    }
    const char *params[1] = {json_string_value(name)};
    PGresult *res = api_db_exec(&l,
                                "INSERT INTO contact_lists (name) VALUES ($1) ON CONFLICT (name)"
                                " DO NOTHING RETURNING json_build_object('id', id, 'name', name,"
                                " 'created_at', created_at, 'members', 0)::text",
                                1, params, NULL);
    api_db_release(&l);
    if (!res)
        api_reply_error(r, 503, "", "database error, retry later");
    else if (PQntuples(res) == 0)
        api_reply_error(r, 409, "name", "a list named \"%s\" already exists",
                        json_string_value(name));
    else
        api_reply_text(r, 201, PQgetvalue(res, 0, 0));
    PQclear(res);
    json_decref(body);
}

void api_handle_segment_preview(const struct api_call *call, struct api_reply *r)
{
#ifndef HERALD_API_HAVE_SEGMENTER
    api_reply_error(r, 501, "",
                    "segment preview needs the segmenter's rule compiler, which "
                    "this build does not include");
#else
    json_t *body = api_call_json(call, r, 0);
    if (!body)
        return;
    const json_t *audience = json_object_get(body, "audience");
    const json_t *limit = json_object_get(body, "sample_limit");
    char why[256];
    if (!json_is_object(audience)) {
        api_reply_error(r, 400, "audience", "audience must be an object");
    } else if (limit && (!json_is_integer(limit) || json_integer_value(limit) < 0 ||
                         json_integer_value(limit) > PREVIEW_MAX)) {
        api_reply_error(r, 400, "sample_limit", "sample_limit must be an integer from 0 to %d",
                        PREVIEW_MAX);
    } else if (segment_validate(audience, why, sizeof(why)) != 0) {
        char field[96];
        api_audience_error_field(why, field, sizeof(field));
        api_reply_error(r, 400, field, "%s", why);
    } else {
        struct api_db_lease l;
        if (api_call_db(call, r, &l) == 0) {
            char *text = json_dumps(audience, JSON_COMPACT);
            char *preview =
                text ? segment_preview_json(l.conn, text,
                                            limit ? (int)json_integer_value(limit) : PREVIEW_SAMPLE,
                                            why, sizeof(why))
                     : NULL;
            api_db_release(&l);
            if (preview)
                api_reply_text(r, 200, preview);
            else
                api_reply_error(r, 503, "", "preview failed: %s", text ? why : "out of memory");
            free(preview);
            free(text);
        }
    }
    json_decref(body);
#endif
}

#ifdef HERALD_API_HAVE_SEGMENTER
/* {"phones": [...]}: 1 to CONTACT_OPT_MAX_PHONES strings. Returns how many, or -1 after
 * replying 400; *out borrows the strings from body. */
static int opt_phones(const json_t *body, struct api_reply *r, const char **out)
{
    const json_t *phones = json_object_get(body, "phones");
    size_t n = json_array_size(phones);
    if (!json_is_array(phones) || n == 0 || n > CONTACT_OPT_MAX_PHONES) {
        api_reply_error(r, 400, "phones", "phones must be an array of 1 to %d phone numbers",
                        CONTACT_OPT_MAX_PHONES);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = json_string_value(json_array_get(phones, i));
        if (!out[i]) {
            api_reply_error(r, 400, "phones", "phones[%zu] must be a string", i);
            return -1;
        }
    }
    return (int)n;
}

static json_t *opt_results(const PGresult *res)
{
    json_t *rows = json_array();
    for (int i = 0; rows && i < PQntuples(res); i++)
        json_array_append_new(rows, json_pack("{s:s, s:s}", "phone", PQgetvalue(res, i, 0),
                                              "result", PQgetvalue(res, i, 1)));
    return json_pack("{s:o}", "results", rows);
}

static void handle_opt(const struct api_call *call, struct api_reply *r,
                       enum contact_opt_request what)
{
    json_t *body = api_call_json(call, r, 0);
    if (!body)
        return;
    const char **phones = malloc(CONTACT_OPT_MAX_PHONES * sizeof(*phones));
    int n = phones ? opt_phones(body, r, phones) : -1;
    struct api_db_lease l;
    if (!phones)
        api_reply_error(r, 500, "", "out of memory");
    if (n > 0 && api_call_db(call, r, &l) == 0) {
        char why[300];
        PGresult *res = contact_opt_apply(l.conn, what, phones, (size_t)n, why, sizeof(why));
        api_db_release(&l);
        if (res)
            api_reply_json(r, 200, opt_results(res));
        else
            api_reply_error(r, 503, "", "nothing changed: %s", why);
        PQclear(res);
    }
    free(phones);
    json_decref(body);
}
#endif

#ifdef HERALD_API_HAVE_SEGMENTER
#define CONTACT_REQUEST(what, words) handle_opt(call, r, what)
#else
/* Without the segmenter's library there is no contact_opt.c to apply the request with. */
#define CONTACT_REQUEST(what, words)                                                               \
    ((void)call, api_reply_error(r, 501, "",                                                       \
                                 words " needs the segmenter's library, not in this "              \
                                       "build"))
#endif

void api_handle_contacts_opt_out(const struct api_call *call, struct api_reply *r)
{
    CONTACT_REQUEST(CONTACT_OPT_OUT, "opt-out");
}

void api_handle_contacts_opt_in(const struct api_call *call, struct api_reply *r)
{
    CONTACT_REQUEST(CONTACT_OPT_IN, "opt-in");
}

void api_handle_contacts_erase(const struct api_call *call, struct api_reply *r)
{
    CONTACT_REQUEST(CONTACT_ERASE, "erase");
}
