-- 045_analytics_recalculate.sql - rebuild a campaign's numbers from per-recipient state.
--
-- Why: the incremental counters are derived from transitions of analytics_recipient_delivery;
-- recalculate recomputes them from scratch, proves (or restores) that they agree, and reports
-- which it was. Handles the `recalculate` command of campaign-commands and records its outcome
-- in command_results; a command id seen before is a no-op.

-- A fingerprint of everything recalculate rebuilds (titles excluded: cosmetic), so that
-- "unchanged" means the incremental numbers were already exact.
CREATE FUNCTION analytics_numbers_digest(c bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT md5(concat_ws('|',
        (SELECT concat_ws(',', recipients, settled, accepted, sent, delivered, read, failed,
                          replied, analytics_epoch_ms(first_accepted_at))
         FROM analytics_campaign_stats WHERE campaign_id = c),
        (SELECT string_agg(concat_ws(',', analytics_epoch_ms(minute), accepted, sent, delivered,
                                     read, failed, replied), ';' ORDER BY minute)
         FROM analytics_campaign_minute
         WHERE campaign_id = c
           AND (accepted, sent, delivered, read, failed, replied) <> (0, 0, 0, 0, 0, 0)),
        (SELECT string_agg(concat_ws(',', error_code, recipients), ';' ORDER BY error_code)
         FROM analytics_campaign_failures WHERE campaign_id = c AND recipients <> 0)))
$$;

CREATE FUNCTION analytics_recalculate(c bigint, OUT recipients bigint, OUT changed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    before text;
BEGIN
    PERFORM analytics_lock_campaign(c);
    before := analytics_numbers_digest(c);
    DELETE FROM analytics_campaign_stats WHERE campaign_id = c;
    DELETE FROM analytics_campaign_minute WHERE campaign_id = c;
    DELETE FROM analytics_campaign_failures WHERE campaign_id = c;

    INSERT INTO analytics_campaign_stats
        (campaign_id, recipients, settled, accepted, sent, delivered, read, failed, replied,
         first_accepted_at, updated_at)
    SELECT c, count(*),
           count(*) FILTER (WHERE accepted_at IS NOT NULL OR failed_at IS NOT NULL),
           count(accepted_at), count(sent_at), count(delivered_at), count(read_at),
           count(failed_at), count(replied_at), min(accepted_at), now()
    FROM analytics_recipient_delivery WHERE campaign_id = c
    HAVING count(*) > 0;

    INSERT INTO analytics_campaign_minute
        (campaign_id, minute, accepted, sent, delivered, read, failed, replied)
    SELECT c, analytics_minute(k.ts),
           count(*) FILTER (WHERE k.step = 1), count(*) FILTER (WHERE k.step = 2),
           count(*) FILTER (WHERE k.step = 3), count(*) FILTER (WHERE k.step = 4),
           count(*) FILTER (WHERE k.step = 5), count(*) FILTER (WHERE k.step = 6)
    FROM analytics_recipient_delivery d
    CROSS JOIN LATERAL (VALUES (1, d.accepted_at), (2, d.sent_at), (3, d.delivered_at),
                               (4, d.read_at), (5, d.failed_at), (6, d.replied_at)) AS k(step, ts)
    WHERE d.campaign_id = c AND k.ts IS NOT NULL
    GROUP BY 2;

    INSERT INTO analytics_campaign_failures (campaign_id, error_code, error_title, recipients)
    SELECT c, coalesce(error_code, 0), min(error_title COLLATE "C"), count(*)
    FROM analytics_recipient_delivery
    WHERE campaign_id = c AND failed_at IS NOT NULL
    GROUP BY 2;

    SELECT count(*) INTO recipients FROM analytics_recipient_delivery WHERE campaign_id = c;
    changed := before IS DISTINCT FROM analytics_numbers_digest(c);
END
$$;

-- Returns the outcome written ('accepted' / 'rejected'), or 'duplicate' for a known command id.
CREATE FUNCTION analytics_handle_recalculate(p_command_id text, p_campaign_id bigint,
                                             p_payload text, p_handled_by text,
                                             p_partition integer, p_offset bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_outcome text;
    v_reason text;
BEGIN
    IF EXISTS (SELECT 1 FROM command_results WHERE command_id = p_command_id) THEN
        RETURN 'duplicate';
    END IF;
    IF p_campaign_id IS NULL THEN
        v_outcome := 'rejected';
        v_reason := 'campaign_id missing or not an integer';
    ELSIF NOT EXISTS (SELECT 1 FROM campaigns WHERE id = p_campaign_id) THEN
        v_outcome := 'rejected';
        v_reason := 'unknown campaign';
    ELSE
        r := analytics_recalculate(p_campaign_id);
        v_outcome := 'accepted';
        v_reason := format('recalculated from %s recipients; numbers %s', r.recipients,
                           CASE WHEN r.changed THEN 'corrected' ELSE 'unchanged' END);
    END IF;
    INSERT INTO command_results (command_id, campaign_id, type, outcome, reason, payload,
                                 handled_by, kafka_partition, kafka_offset)
    VALUES (p_command_id, p_campaign_id, 'recalculate', v_outcome, v_reason, p_payload,
            p_handled_by, p_partition, p_offset)
    ON CONFLICT (command_id) DO NOTHING;
    RETURN v_outcome;
END
$$;
