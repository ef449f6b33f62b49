-- 043_analytics_parking.sql - statuses that name only a wamid nobody has recorded yet.
--
-- Why: a webhook without biz_opaque_callback_data carries only the wamid, and Meta may deliver
-- it before the dispatcher has stored that wamid. Such a status is resolved through the wamids
-- known from this batch, campaign_recipients and analytics_recipient_delivery; if none knows it,
-- it is parked (in lattice form, nothing lost) and re-resolved by later batches and sweeps.

-- Give campaign/recipient ids to staged rows that only have a wamid.
CREATE FUNCTION analytics_resolve_stage() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM analytics_stage WHERE recipient_id IS NULL) THEN
        RETURN 0;
    END IF;
    WITH need AS (
        SELECT DISTINCT wamid, campaign_id AS hint
        FROM analytics_stage WHERE recipient_id IS NULL AND wamid IS NOT NULL
    ), keyed AS (
        SELECT DISTINCT ON (wamid) wamid, campaign_id, recipient_id
        FROM analytics_stage
        WHERE recipient_id IS NOT NULL AND campaign_id IS NOT NULL AND wamid IS NOT NULL
        ORDER BY wamid, campaign_id, recipient_id
    ), found AS (
        SELECT n.wamid, n.hint,
               CASE WHEN k.recipient_id IS NOT NULL THEN k.campaign_id
                    WHEN x.recipient_id IS NOT NULL THEN x.campaign_id
                    ELSE d.campaign_id END AS campaign_id,
               coalesce(k.recipient_id, x.recipient_id, d.recipient_id) AS recipient_id
        FROM need n
        LEFT JOIN keyed k ON k.wamid = n.wamid AND (n.hint IS NULL OR k.campaign_id = n.hint)
        LEFT JOIN LATERAL (
            SELECT campaign_id, recipient_id FROM campaign_recipients
            WHERE wamid = n.wamid AND (n.hint IS NULL OR campaign_id = n.hint) LIMIT 1) x ON true
        LEFT JOIN LATERAL (
            SELECT campaign_id, recipient_id FROM analytics_recipient_delivery
            WHERE wamid = n.wamid AND (n.hint IS NULL OR campaign_id = n.hint) LIMIT 1) d ON true
    )
    UPDATE analytics_stage s
    SET campaign_id = f.campaign_id, recipient_id = f.recipient_id
    FROM found f
    WHERE s.recipient_id IS NULL AND s.wamid = f.wamid
      AND s.campaign_id IS NOT DISTINCT FROM f.hint AND f.recipient_id IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Move parked statuses whose wamid is now known into analytics_stage. Without p_sweep only
-- wamids seen with ids in this batch are tried (cheap); the sweep tries every parked row.
CREATE FUNCTION analytics_unpark(p_sweep boolean) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM analytics_parked_events) THEN
        RETURN 0; -- the common case: skip sorting the batch's wamids
    END IF;
    WITH keyed AS (
        SELECT DISTINCT ON (wamid) wamid, campaign_id, recipient_id
        FROM analytics_stage
        WHERE recipient_id IS NOT NULL AND campaign_id IS NOT NULL AND wamid IS NOT NULL
        ORDER BY wamid, campaign_id, recipient_id
    ), cand AS (
        SELECT p.id, p.wamid, p.campaign_id AS hint
        FROM analytics_parked_events p
        WHERE p_sweep OR p.wamid IN (SELECT wamid FROM keyed)
    ), found AS (
        SELECT c.id,
               CASE WHEN k.recipient_id IS NOT NULL THEN k.campaign_id
                    WHEN x.recipient_id IS NOT NULL THEN x.campaign_id
                    ELSE d.campaign_id END AS campaign_id,
               coalesce(k.recipient_id, x.recipient_id, d.recipient_id) AS recipient_id
        FROM cand c
        LEFT JOIN keyed k ON k.wamid = c.wamid AND (c.hint IS NULL OR k.campaign_id = c.hint)
        LEFT JOIN LATERAL (
            SELECT campaign_id, recipient_id FROM campaign_recipients
            WHERE wamid = c.wamid AND (c.hint IS NULL OR campaign_id = c.hint) LIMIT 1) x ON true
        LEFT JOIN LATERAL (
            SELECT campaign_id, recipient_id FROM analytics_recipient_delivery
            WHERE wamid = c.wamid AND (c.hint IS NULL OR campaign_id = c.hint) LIMIT 1) d ON true
    ), moved AS (
        DELETE FROM analytics_parked_events p
        USING found f
        WHERE p.id = f.id AND f.recipient_id IS NOT NULL
        RETURNING f.campaign_id AS c, f.recipient_id AS r, p.wamid, p.phone, p.accepted_ms,
                  p.sent_ms, p.delivered_ms, p.read_ms, p.failed_ms, p.error_code, p.error_title
    )
    INSERT INTO analytics_stage (campaign_id, recipient_id, wamid, phone, accepted_ms, sent_ms,
                                 delivered_ms, read_ms, failed_ms, error_code, error_title)
    SELECT c, r, wamid, phone, accepted_ms, sent_ms, delivered_ms, read_ms, failed_ms, error_code,
           error_title
    FROM moved;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Park what is still unresolved after analytics_resolve_stage().
CREATE FUNCTION analytics_park_unresolved() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO analytics_parked_events (wamid, campaign_id, phone, accepted_ms, sent_ms,
                                         delivered_ms, read_ms, failed_ms, error_code, error_title)
    SELECT wamid, campaign_id, phone, accepted_ms, sent_ms, delivered_ms, read_ms, failed_ms,
           error_code, error_title
    FROM analytics_stage
    WHERE recipient_id IS NULL AND wamid IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
