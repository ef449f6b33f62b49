-- 057_campaign_opt_outs.sql - how many recipients a campaign lost to STOP.
--
-- Why: the unsubscribe count is the figure a marketer reads next to delivered, read and replied
-- (a campaign that makes people leave is a bad one, whatever its reply rate). A stored reply
-- keeps the keyword classification the stage gave it (migration 056: 'out', 'in' or NULL), and
-- campaign_analytics gains `opted_out`, the campaign's recipients whose attributed reply was an
-- opt-out keyword, and `opt_out_rate`, their share of the delivered. Replies stored before this
-- migration have no classification and count as none.

ALTER TABLE analytics_replies ADD COLUMN opt text CHECK (opt IN ('out', 'in'));

CREATE OR REPLACE FUNCTION analytics_store_replies() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO analytics_replies
        (wamid, from_phone, received_at, type, body, context_id, profile_name, opt)
    SELECT DISTINCT ON (wamid) wamid, from_phone, analytics_ms(ts_ms), type, body, context_id,
           profile_name, opt
    FROM analytics_stage_replies
    ORDER BY wamid, ts_ms
    ON CONFLICT (wamid) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- The view of migration 049 stays as it is, under another name; this one adds two columns.
ALTER VIEW campaign_analytics RENAME TO campaign_analytics_049;
CREATE VIEW campaign_analytics AS
SELECT a.*, o.opted_out,
       o.opted_out::double precision / nullif(a.delivered, 0) AS opt_out_rate
FROM campaign_analytics_049 a
CROSS JOIN LATERAL (
    SELECT count(DISTINCT ar.recipient_id)::bigint AS opted_out FROM analytics_replies ar
    WHERE ar.campaign_id = a.campaign_id AND ar.opt = 'out'
) o;
