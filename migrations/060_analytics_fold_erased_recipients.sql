-- 060_analytics_fold_erased_recipients.sql - a delivery row first written after its recipient
-- was erased gets the marker 'erased', not the phone from the event.
--
-- Why: contact_erase_many (059) marks the delivery rows that exist when it runs. Analytics can
-- lag behind (a stopped stage, a backlog, Meta's `read` days later for a message whose earlier
-- statuses were never folded): the fold then created the row from the event, which still
-- carries the phone, and tied the erased person to the campaign again. Now a phone the fold
-- takes from an event (a new row, or an old one without a phone) becomes 'erased' when the
-- recipient's own row in campaign_recipients was erased ('erased:<recipient_id>').
--
-- The check is a primary-key probe per recipient, made only when a phone is first written
-- (coalesce evaluates its second argument only then), not per event. Its price, measured
-- 2026-11-28 with 200,000 new rows in batches of 20,000 against 400,000 recipient rows (the
-- worst case: every event a new row): within the run-to-run noise of the fold (2.0-2.7 s
-- with and 2.2-3.1 s without, five alternating rounds). Otherwise identical to 051.

CREATE OR REPLACE FUNCTION analytics_fold_stage() RETURNS bigint LANGUAGE plpgsql
SET enable_seqscan = off AS $$
DECLARE
    changed bigint;
BEGIN
    WITH agg AS (
        SELECT campaign_id, recipient_id, min(wamid) AS wamid, min(phone) AS phone,
               analytics_ms(min(accepted_ms)) AS accepted_at,
               analytics_ms(min(sent_ms)) AS sent_at,
               analytics_ms(min(delivered_ms)) AS delivered_at,
               analytics_ms(min(read_ms)) AS read_at,
               analytics_ms(min(failed_ms)) AS failed_at,
               analytics_ms(min(replied_ms)) AS replied_at
        FROM analytics_stage
        WHERE campaign_id IS NOT NULL AND recipient_id IS NOT NULL
        GROUP BY campaign_id, recipient_id
    ), failure AS (
        -- The winning failure of the batch per recipient (few rows: a separate, sorted pass).
        SELECT DISTINCT ON (campaign_id, recipient_id) campaign_id, recipient_id, error_code,
               error_title
        FROM analytics_stage
        WHERE campaign_id IS NOT NULL AND recipient_id IS NOT NULL AND failed_ms IS NOT NULL
        ORDER BY campaign_id, recipient_id, failed_ms, coalesce(error_code, 0),
                 coalesce(error_title, '') COLLATE "C"
    ), cur AS (
        SELECT a.*, f.error_code AS x_code, f.error_title AS x_title, d.ctid AS tid,
               d.wamid AS o_wamid, d.phone AS o_phone, d.accepted_at AS o_acc,
               d.sent_at AS o_sent, d.delivered_at AS o_del, d.read_at AS o_read,
               d.failed_at AS o_fail, d.error_code AS o_code, d.error_title AS o_title,
               d.replied_at AS o_rep
        FROM agg a
        LEFT JOIN failure f ON f.campaign_id = a.campaign_id AND f.recipient_id = a.recipient_id
        -- OFFSET 0 keeps this a per-row primary-key probe (see the top of this file).
        LEFT JOIN LATERAL (
            SELECT x.ctid, x.wamid, x.phone, x.accepted_at, x.sent_at, x.delivered_at, x.read_at,
                   x.failed_at, x.error_code, x.error_title, x.replied_at
            FROM analytics_recipient_delivery x
            WHERE x.campaign_id = a.campaign_id AND x.recipient_id = a.recipient_id
            OFFSET 0) d ON true
    ), merged AS (
        SELECT campaign_id, recipient_id, tid, tid IS NULL AS is_new,
               coalesce(o_wamid, wamid) AS n_wamid,
               -- the one change from 051 (see the top of this file)
               coalesce(o_phone,
                        CASE WHEN phone IS NOT NULL AND EXISTS (
                                 SELECT 1 FROM campaign_recipients r
                                 WHERE r.campaign_id = cur.campaign_id
                                   AND r.recipient_id = cur.recipient_id
                                   AND r.phone LIKE 'erased:%')
                             THEN 'erased' ELSE phone END) AS n_phone,
               (o_wamid IS NULL AND wamid IS NOT NULL) OR (o_phone IS NULL AND phone IS NOT NULL)
                   AS ids_moved,
               least(o_acc, accepted_at) AS n_acc, o_acc,
               least(o_sent, sent_at) AS n_sent, o_sent,
               least(o_del, delivered_at) AS n_del, o_del,
               least(o_read, read_at) AS n_read, o_read,
               least(o_fail, failed_at) AS n_fail, o_fail,
               analytics_failure_wins(failed_at, x_code, x_title, o_fail, o_code, o_title)
                   AS fail_wins,
               x_code, x_title, o_code, o_title,
               least(o_rep, replied_at) AS n_rep, o_rep
        FROM cur
    ), pair AS (
        -- A duplicate or a late lower step changes nothing: no write, no delta.
        SELECT campaign_id, recipient_id, tid, is_new, n_wamid, n_phone,
               n_acc, o_acc, n_sent, o_sent, n_del, o_del, n_read, o_read, n_fail, o_fail,
               CASE WHEN fail_wins THEN x_code ELSE o_code END AS n_code, o_code,
               CASE WHEN fail_wins THEN x_title ELSE o_title END AS n_title,
               n_rep, o_rep
        FROM merged
        WHERE is_new OR ids_moved OR fail_wins
           OR n_acc IS DISTINCT FROM o_acc OR n_sent IS DISTINCT FROM o_sent
           OR n_del IS DISTINCT FROM o_del OR n_read IS DISTINCT FROM o_read
           OR n_rep IS DISTINCT FROM o_rep
    ), upd AS (
        UPDATE analytics_recipient_delivery d
        SET wamid = p.n_wamid, phone = p.n_phone, accepted_at = p.n_acc, sent_at = p.n_sent,
            delivered_at = p.n_del, read_at = p.n_read, failed_at = p.n_fail,
            error_code = p.n_code, error_title = p.n_title, replied_at = p.n_rep,
            updated_at = now()
        FROM pair p
        WHERE NOT p.is_new AND d.ctid = p.tid
        RETURNING 1
    ), ins AS (
        INSERT INTO analytics_recipient_delivery
            (campaign_id, recipient_id, wamid, phone, accepted_at, sent_at, delivered_at,
             read_at, failed_at, error_code, error_title, replied_at)
        SELECT campaign_id, recipient_id, n_wamid, n_phone, n_acc, n_sent, n_del, n_read, n_fail,
               n_code, n_title, n_rep
        FROM pair WHERE is_new
        RETURNING 1
    ), stats AS (
        INSERT INTO analytics_campaign_stats AS s
            (campaign_id, recipients, settled, accepted, sent, delivered, read, failed, replied,
             first_accepted_at, updated_at)
        SELECT campaign_id,
               count(*) FILTER (WHERE is_new),
               sum((n_acc IS NOT NULL OR n_fail IS NOT NULL)::int
                   - (o_acc IS NOT NULL OR o_fail IS NOT NULL)::int),
               sum((n_acc IS NOT NULL)::int - (o_acc IS NOT NULL)::int),
               sum((n_sent IS NOT NULL)::int - (o_sent IS NOT NULL)::int),
               sum((n_del IS NOT NULL)::int - (o_del IS NOT NULL)::int),
               sum((n_read IS NOT NULL)::int - (o_read IS NOT NULL)::int),
               sum((n_fail IS NOT NULL)::int - (o_fail IS NOT NULL)::int),
               sum((n_rep IS NOT NULL)::int - (o_rep IS NOT NULL)::int),
               min(n_acc), now()
        FROM pair GROUP BY campaign_id
        ON CONFLICT (campaign_id) DO UPDATE SET
            recipients = s.recipients + EXCLUDED.recipients,
            settled = s.settled + EXCLUDED.settled,
            accepted = s.accepted + EXCLUDED.accepted,
            sent = s.sent + EXCLUDED.sent,
            delivered = s.delivered + EXCLUDED.delivered,
            read = s.read + EXCLUDED.read,
            failed = s.failed + EXCLUDED.failed,
            replied = s.replied + EXCLUDED.replied,
            first_accepted_at = least(s.first_accepted_at, EXCLUDED.first_accepted_at),
            updated_at = now()
        RETURNING 1
    ), minute_moves AS (
        -- A step reached: +1 in its minute. A step whose time moved earlier: -1 in the old
        -- minute, +1 in the new. Steps 1-6: accepted, sent, delivered, read, failed, replied.
        -- Unpivoted with set-returning functions in the select list (one ProjectSet pass): a
        -- LATERAL VALUES list would rebuild its expressions for every row.
        SELECT campaign_id, analytics_minute(ts) AS minute, step, n
        FROM (SELECT p.campaign_id,
                     unnest(ARRAY[
                         CASE WHEN p.n_acc IS DISTINCT FROM p.o_acc THEN p.n_acc END,
                         CASE WHEN p.n_acc IS DISTINCT FROM p.o_acc THEN p.o_acc END,
                         CASE WHEN p.n_sent IS DISTINCT FROM p.o_sent THEN p.n_sent END,
                         CASE WHEN p.n_sent IS DISTINCT FROM p.o_sent THEN p.o_sent END,
                         CASE WHEN p.n_del IS DISTINCT FROM p.o_del THEN p.n_del END,
                         CASE WHEN p.n_del IS DISTINCT FROM p.o_del THEN p.o_del END,
                         CASE WHEN p.n_read IS DISTINCT FROM p.o_read THEN p.n_read END,
                         CASE WHEN p.n_read IS DISTINCT FROM p.o_read THEN p.o_read END,
                         CASE WHEN p.n_fail IS DISTINCT FROM p.o_fail THEN p.n_fail END,
                         CASE WHEN p.n_fail IS DISTINCT FROM p.o_fail THEN p.o_fail END,
                         CASE WHEN p.n_rep IS DISTINCT FROM p.o_rep THEN p.n_rep END,
                         CASE WHEN p.n_rep IS DISTINCT FROM p.o_rep THEN p.o_rep END]) AS ts,
                     unnest('{1,1,2,2,3,3,4,4,5,5,6,6}'::int[]) AS step,
                     unnest('{1,-1,1,-1,1,-1,1,-1,1,-1,1,-1}'::int[]) AS n
              FROM pair p) k
        WHERE ts IS NOT NULL
    ), series AS (
        INSERT INTO analytics_campaign_minute AS m
            (campaign_id, minute, accepted, sent, delivered, read, failed, replied)
        SELECT campaign_id, minute,
               coalesce(sum(n) FILTER (WHERE step = 1), 0),
               coalesce(sum(n) FILTER (WHERE step = 2), 0),
               coalesce(sum(n) FILTER (WHERE step = 3), 0),
               coalesce(sum(n) FILTER (WHERE step = 4), 0),
               coalesce(sum(n) FILTER (WHERE step = 5), 0),
               coalesce(sum(n) FILTER (WHERE step = 6), 0)
        FROM minute_moves GROUP BY campaign_id, minute
        ON CONFLICT (campaign_id, minute) DO UPDATE SET
            accepted = m.accepted + EXCLUDED.accepted,
            sent = m.sent + EXCLUDED.sent,
            delivered = m.delivered + EXCLUDED.delivered,
            read = m.read + EXCLUDED.read,
            failed = m.failed + EXCLUDED.failed,
            replied = m.replied + EXCLUDED.replied
        RETURNING 1
    ), failure_moves AS (
        SELECT campaign_id, coalesce(n_code, 0) AS code, n_title AS title, 1 AS n
        FROM pair
        WHERE n_fail IS NOT NULL AND (o_fail IS NULL OR n_code IS DISTINCT FROM o_code)
        UNION ALL
        SELECT campaign_id, coalesce(o_code, 0), NULL, -1
        FROM pair
        WHERE o_fail IS NOT NULL AND n_code IS DISTINCT FROM o_code
    ), failures AS (
        INSERT INTO analytics_campaign_failures AS f (campaign_id, error_code, error_title, recipients)
        SELECT campaign_id, code, min(title COLLATE "C"), sum(n)
        FROM failure_moves GROUP BY campaign_id, code
        ON CONFLICT (campaign_id, error_code) DO UPDATE SET
            recipients = f.recipients + EXCLUDED.recipients,
            error_title = least(f.error_title COLLATE "C", EXCLUDED.error_title COLLATE "C")
        RETURNING 1
    )
    -- Data-modifying CTEs always run to completion, read or not.
    SELECT count(*) INTO changed FROM pair;
    RETURN changed;
END
$$;
