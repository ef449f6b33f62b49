-- 053_analytics_reply_window_in_flight.sql - a plain reply waits for the send it answers.
--
-- Why: rule 2 (no context: the phone's most recent campaign message in the window) read only
-- `campaign_recipients.accepted_at`, the moment the dispatcher's outcome COMMITTED. A reply
-- can be folded before that: the Cloud API accepted the message, the recipient answered and the
-- webhook reached analytics while the dispatcher's resolution was still on its way to the
-- database (a PostgreSQL restart delays it by seconds). The reply was then attributed to
-- 'none' for good - and even a later look would miss it, since accepted_at (the commit time)
-- could then be later than the reply itself. Found by the chaos suite with replies on (51 of
-- 19,980 replies unattributed after a PostgreSQL restart). Now:
--   * a message's send time is LEAST(claimed_at, accepted_at): the claim committed before the
--     request left, so it is never later than the send; rows written without a claim time
--     (imports, tests) keep accepted_at;
--   * while the phone has a newer message still `sending` (claimed, outcome not recorded) the
--     reply stays 'pending' and the sweep retries it, for at most park_timeout.
CREATE OR REPLACE FUNCTION analytics_attribute_replies(p_window interval, p_park_timeout interval,
                                                       p_sweep boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
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
                         AND y.claimed_at <= c.received_at + interval '1 second'
                         AND y.claimed_at > c.received_at - p_window
                         AND (w.sent_at IS NULL OR y.claimed_at > w.sent_at)) AS in_flight
        FROM cand c
        LEFT JOIN LATERAL (
            SELECT x.campaign_id, x.recipient_id, LEAST(x.claimed_at, x.accepted_at) AS sent_at
            FROM campaign_recipients x
            WHERE x.phone = c.from_phone
              AND x.accepted_at IS NOT NULL
              AND LEAST(x.claimed_at, x.accepted_at) <= c.received_at + interval '1 second'
              AND LEAST(x.claimed_at, x.accepted_at) > c.received_at - p_window
            ORDER BY LEAST(x.claimed_at, x.accepted_at) DESC, x.campaign_id DESC
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
