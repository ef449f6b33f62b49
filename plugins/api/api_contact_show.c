/*
 * api_contact_show.c - GET /api/contacts/{phone}: one person as Herald sees them, the API's
 * `herald-ctl contacts show`: the contact (opted out? since when?), its lists, its campaign
 * messages with their outcome (view campaign_recipient_outcomes) and its replies (view
 * reply_messages), newest first, at most 50 of each.
 *
 * Why one statement: the four parts read one consistent snapshot and the answer is built by
 * PostgreSQL as JSON (types kept: booleans, numbers, RFC 3339 times). The phone in the path
 * is normalised like an import ("+49 151..." typed into a URL as %2B49%20151... finds the same
 * person). 404 when the phone is neither a contact nor a recipient of any campaign.
 */
#include "api_db.h"
#include "api_internal.h"

#include <stdio.h>
#include <string.h>

#ifdef HERALD_API_HAVE_SEGMENTER
#include "phone_number.h"
#endif

static const char show_sql[] =
    "SELECT json_build_object("
    "'contact', (SELECT row_to_json(c) FROM (SELECT id, phone, name, tags, attributes, "
    "opted_out, opted_out_at, opt_requested_at, erased_at, created_at, updated_at FROM contacts "
    "WHERE phone = $1) c), "
    "'lists', coalesce((SELECT json_agg(json_build_object('id', l.id, 'name', l.name) "
    "ORDER BY l.id) FROM contacts c JOIN contact_list_members m ON m.contact_id = c.id "
    "JOIN contact_lists l ON l.id = m.list_id WHERE c.phone = $1), '[]'::json), "
    "'messages', coalesce((SELECT json_agg(o ORDER BY o.campaign_id DESC) FROM (SELECT o.*, "
    "k.name AS campaign, k.status AS campaign_status FROM campaign_recipient_outcomes o "
    "JOIN campaigns k ON k.id = o.campaign_id WHERE o.phone = $1 ORDER BY o.campaign_id DESC "
    "LIMIT 50) o), '[]'::json), "
    "'replies', coalesce((SELECT json_agg(r ORDER BY r.received_at DESC, r.wamid DESC) FROM "
    "(SELECT * FROM reply_messages WHERE phone = $1 ORDER BY received_at DESC, wamid DESC "
    "LIMIT 50) r), '[]'::json))::text";

void api_handle_contact_show(const struct api_call *call, struct api_reply *r)
{
    const char *phone = call->route->phone;
#ifdef HERALD_API_HAVE_SEGMENTER
    char digits[PHONE_BUF_SIZE];
    phone = phone_lookup_form(phone, digits, sizeof(digits));
#endif
    const char *params[1] = {phone};
    struct api_db_lease l;
    if (api_call_db(call, r, &l) != 0)
        return;
    PGresult *res = api_db_exec(&l, show_sql, 1, params, NULL);
    api_db_release(&l);
    if (!res) {
        api_reply_error(r, 503, "", "database error, retry later");
        return;
    }
    json_t *doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    int known = doc && (!json_is_null(json_object_get(doc, "contact")) ||
                        json_array_size(json_object_get(doc, "messages")) > 0);
    if (!known) {
        json_decref(doc);
        api_reply_error(r, 404, "", "%s is neither a contact nor a recipient of any campaign",
                        phone);
        return;
    }
    api_reply_json(r, 200, doc);
}
