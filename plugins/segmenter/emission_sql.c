/*
 * emission_sql.c - the emission step statement (see header for why it is shared).
 *
 * The UPDATE matches `recipient_id = ANY (ARRAY(...))` rather than joining the CTE: with a
 * join the planner hashes the whole campaign (seq scan, ~280 ms per step at 300k
 * recipients); the array form is a primary-key index scan whatever the campaign size.
 */
#include "emission_sql.h"

/* The rows of `next` go pending -> queued; their jobs are the result. */
#define QUEUE_NEXT_AND_BUILD_JOBS                                                                  \
    "upd AS (UPDATE campaign_recipients r SET state = 'queued', updated_at = now() "               \
    "WHERE r.campaign_id = $1::bigint AND r.recipient_id = ANY (ARRAY(SELECT recipient_id "        \
    "FROM next)) RETURNING r.recipient_id, r.phone, r.params) "                                    \
    "SELECT recipient_id, phone, jsonb_build_object('campaign_id', $1::bigint, 'recipient_id', "   \
    "recipient_id, 'phone', phone, 'phone_number_id', $3::text, 'template', "                      \
    "jsonb_build_object('name', $4::text, 'language', $5::text) || $7::jsonb, 'params', params, "  \
    "'rate_limit_per_second', $6::float8)::text FROM upd ORDER BY recipient_id"

#define PENDING_IN_ORDER                                                                           \
    "SELECT recipient_id, phone FROM campaign_recipients WHERE campaign_id = $1::bigint "          \
    "AND state = 'pending' AND NOT claim_open ORDER BY recipient_id LIMIT $2::bigint "             \
    "FOR UPDATE SKIP LOCKED"

const char EMISSION_QUEUE_NEXT_SQL[] =
    "WITH next AS (" PENDING_IN_ORDER "), " QUEUE_NEXT_AND_BUILD_JOBS;

/* A candidate whose phone was contacted within 24 h is free; the others are taken in recipient
 * order while $8 lasts. Every phone taken is stamped now (migrations/015). The ledger is probed
 * by primary key per candidate (LATERAL ... LIMIT 1): as EXISTS the planner hashed the whole
 * ledger, twice, per step (90 ms for 2,000 candidates against 100,000 people). */
const char EMISSION_QUEUE_NEXT_LIMITED_SQL[] =
    "WITH cand AS (" PENDING_IN_ORDER "), "
    "seen AS (SELECT c.recipient_id, c.phone, k.phone IS NOT NULL AS known FROM cand c "
    "LEFT JOIN LATERAL (SELECT m.phone FROM messaging_limit_contacts m WHERE m.phone = c.phone "
    "AND m.contacted_at > now() - interval '24 hours' LIMIT 1) k ON true), "
    "next AS (SELECT recipient_id, phone FROM (SELECT s.*, count(*) FILTER (WHERE NOT known) "
    "OVER (ORDER BY recipient_id) AS nth_new FROM seen s) x WHERE known OR nth_new <= $8::bigint), "
    "stamped AS (INSERT INTO messaging_limit_contacts AS m (phone, contacted_at) "
    "SELECT phone, now() FROM next ON CONFLICT (phone) DO UPDATE SET contacted_at = "
    "excluded.contacted_at), " QUEUE_NEXT_AND_BUILD_JOBS;
