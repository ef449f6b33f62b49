-- 054_first_claim_time.sql - a reply to a message that was sent twice keeps its campaign.
--
-- Why: with `resend_uncertain`, a dispatcher that takes over a dead instance's claim sends the
-- message again and re-stamps `claimed_at` (it must: the claim's age is how other instances
-- tell a live claim from a dead one). A plain reply (no context) to the FIRST send, folded in
-- between, then found no message of the phone sent before it - the only one now dated from the
-- takeover - and was attributed to 'none' for good (seen in the chaos suite; the recipient still
-- counted as replied through the reply to the second send, so the numbers were right, but that
-- reply row was not). `first_claimed_at` is the time of the row's first claim and survives a
-- takeover; a message's send time becomes LEAST(first claim, accepted_at). The dispatcher sets
-- it on the first claim and clears it when it hands back a claim that never sent anything.
ALTER TABLE campaign_recipients ADD COLUMN IF NOT EXISTS first_claimed_at timestamptz;

COMMENT ON COLUMN campaign_recipients.first_claimed_at IS
    'first claim of this row (kept across a crash takeover); a reply''s window starts here';

-- The in-flight probe ("a newer message of this phone still `sending`") is a correlated
-- subplan run once per reply. With bitmap scans allowed, the planner may AND the phone index
-- with campaign_recipients_open (partial: pending/queued/sending), whose bitmap covers every
-- open row of the campaign - and the dead entries of rows that left that state until VACUUM
-- runs: ~20,000 entries per reply. Seen in the chaos suite (a kill -9 of analytics, a broker
-- stop: thousands of replies folded at once), where one batch ran for minutes. A plain index
-- scan on the phone reads the phone's few rows, whatever the statistics say. The setting is
-- part of the definition, so a later CREATE OR REPLACE that copies it keeps it.
CREATE OR REPLACE FUNCTION analytics_attribute_replies(p_window interval, p_park_timeout interval,
                                                       p_sweep boolean)
RETURNS bigint LANGUAGE plpgsql SET enable_bitmapscan = off AS $$
DECLARE
    n bigint;
BEGIN
    WITH cand AS (
        SELECT r.wamid, r.from_phone, r.received_at, r.context_id, r.stored_at
        FROM analytics_replies r
        WHERE r.attribution = 'pending'
          AND (p_sweep OR r.wamid IN (SELECT wamid FROM analytics_stage_replies))
    ), by_context AS (
        SELECT c.wamid, m.campaign_id, m.recipient_id
        FROM cand c
        CROSS JOIN LATERAL (
            SELECT x.campaign_id, x.recipient_id, 1 AS pri
            FROM campaign_recipients x WHERE x.wamid = c.context_id
            UNION ALL
            SELECT d.campaign_id, d.recipient_id, 2
            FROM analytics_recipient_delivery d WHERE d.wamid = c.context_id
            ORDER BY pri LIMIT 1) m
        WHERE c.context_id IS NOT NULL
    ), windowed AS (
        SELECT c.wamid, c.stored_at, w.campaign_id, w.recipient_id,
               EXISTS (SELECT 1 FROM campaign_recipients y
                       WHERE y.phone = c.from_phone AND y.state = 'sending'
                         AND COALESCE(y.first_claimed_at, y.claimed_at)
                             <= c.received_at + interval '1 second'
                         AND COALESCE(y.first_claimed_at, y.claimed_at) > c.received_at - p_window
                         AND (w.sent_at IS NULL
                              OR COALESCE(y.first_claimed_at, y.claimed_at) > w.sent_at))
                   AS in_flight
        FROM cand c
        LEFT JOIN LATERAL (
            SELECT x.campaign_id, x.recipient_id, x.sent_at
            FROM (SELECT campaign_id, recipient_id,
                         LEAST(COALESCE(first_claimed_at, claimed_at), accepted_at) AS sent_at
                  FROM campaign_recipients
                  WHERE phone = c.from_phone AND accepted_at IS NOT NULL) x
            WHERE x.sent_at <= c.received_at + interval '1 second'
              AND x.sent_at > c.received_at - p_window
            ORDER BY x.sent_at DESC, x.campaign_id DESC
            LIMIT 1) w ON true
        WHERE (c.context_id IS NULL OR c.stored_at <= now() - p_park_timeout)
          AND c.wamid NOT IN (SELECT wamid FROM by_context)
    ), by_window AS (
        SELECT wamid, campaign_id, recipient_id FROM windowed
        WHERE NOT in_flight OR stored_at <= now() - p_park_timeout
    ), decided AS (
        SELECT wamid, campaign_id, recipient_id, 'context' AS how FROM by_context
        UNION ALL
        SELECT wamid, campaign_id, recipient_id,
               CASE WHEN campaign_id IS NULL THEN 'none' ELSE 'window' END
        FROM by_window
    ), updated AS (
        UPDATE analytics_replies r
        SET campaign_id = d.campaign_id, recipient_id = d.recipient_id, attribution = d.how,
            attributed_at = now()
        FROM decided d
        WHERE r.wamid = d.wamid AND r.attribution = 'pending'
        RETURNING r.campaign_id, r.recipient_id, r.from_phone, r.received_at
    )
    INSERT INTO analytics_stage (campaign_id, recipient_id, phone, replied_ms)
    SELECT campaign_id, recipient_id, from_phone, analytics_epoch_ms(received_at)
    FROM updated WHERE campaign_id IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

