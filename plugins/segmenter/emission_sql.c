/*
 * emission_sql.c - the emission step statement (see header for why it is shared).
 *
 * The UPDATE matches `recipient_id = ANY (ARRAY(...))` rather than joining the CTE: with a
 * join the planner hashes the whole campaign (seq scan, ~280 ms per step at 300k
 * recipients); the array form is a primary-key index scan whatever the campaign size.
 */
#include "emission_sql.h"

const char EMISSION_QUEUE_NEXT_SQL[] =
    "WITH next AS (SELECT recipient_id FROM campaign_recipients WHERE campaign_id = $1::bigint "
    "AND state = 'pending' ORDER BY recipient_id LIMIT $2::bigint FOR UPDATE SKIP LOCKED), "
    "upd AS (UPDATE campaign_recipients r SET state = 'queued', updated_at = now() "
    "WHERE r.campaign_id = $1::bigint AND r.recipient_id = ANY (ARRAY(SELECT recipient_id "
    "FROM next)) RETURNING r.recipient_id, r.phone, r.params) "
    "SELECT recipient_id, phone, jsonb_build_object('campaign_id', $1::bigint, 'recipient_id', "
    "recipient_id, 'phone', phone, 'phone_number_id', $3::text, 'template', "
    "jsonb_build_object('name', $4::text, 'language', $5::text) || $7::jsonb, 'params', params, "
    "'rate_limit_per_second', $6::float8)::text FROM upd ORDER BY recipient_id";
