-- 042_analytics_replies.sql - storing inbound messages once and attributing them to campaigns.
--
-- Why: reply rate is "recipients who replied", so every reply must land on at most one campaign
-- recipient, exactly once, whatever the arrival order. Rules, in order:
--   1. context.id is the wamid of a campaign message -> that recipient ('context');
--   2. else the most recent campaign message accepted for that phone within the window before
--      the reply ('window'); Meta's timestamps are whole seconds, hence the 1 s tolerance;
--   3. else attributed to none ('none').
-- A reply whose context.id is not known yet stays 'pending' (parked) and is retried by every
-- sweep; after park_timeout it falls back to rules 2 and 3 (the referent was not ours).
-- Attributed replies become `replied_ms` rows in analytics_stage and go through the fold.

CREATE FUNCTION analytics_store_replies() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO analytics_replies
        (wamid, from_phone, received_at, type, body, context_id, profile_name)
    SELECT DISTINCT ON (wamid) wamid, from_phone, analytics_ms(ts_ms), type, body, context_id,
           profile_name
    FROM analytics_stage_replies
    ORDER BY wamid, ts_ms
    ON CONFLICT (wamid) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- p_sweep: also retry every parked reply (from the tick), not only this batch's.
CREATE FUNCTION analytics_attribute_replies(p_window interval, p_park_timeout interval,
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
    ), by_window AS (
        SELECT c.wamid, w.campaign_id, w.recipient_id
        FROM cand c
        LEFT JOIN LATERAL (
            SELECT x.campaign_id, x.recipient_id
            FROM campaign_recipients x
            WHERE x.phone = c.from_phone
              AND x.accepted_at <= c.received_at + interval '1 second'
              AND x.accepted_at > c.received_at - p_window
            ORDER BY x.accepted_at DESC, x.campaign_id DESC
            LIMIT 1) w ON true
        WHERE (c.context_id IS NULL OR c.stored_at <= now() - p_park_timeout)
          AND c.wamid NOT IN (SELECT wamid FROM by_context)
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
