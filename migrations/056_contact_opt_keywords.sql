-- 056_contact_opt_keywords.sql - a reply that is an opt-out keyword ("STOP") opts its sender
-- out of every later audience; an opt-in keyword ("START") opts them back in.
--
-- Why here: the analytics stage sees every inbound message; it classifies each one against its
-- configured keywords (plugins/analytics/src/analytics_opt_keywords.c) into the staging column
-- `opt` ('out', 'in' or NULL), and analytics_apply_opt_keywords() applies them in the batch's
-- transaction. The segmenter already leaves opted-out contacts out of every audience snapshot.
-- Rules:
--   * only replies not stored yet count: a redelivered STOP (same wamid) changes nothing;
--   * per sender, the latest keyword reply of the batch wins, and it applies only when it is
--     newer than the request that last changed the contact (contacts.opt_requested_at: a
--     keyword reply's time, or when `herald-ctl contacts opt-out|opt-in` ran), so a STOP that
--     Meta delivers late cannot undo the START sent after it;
--   * an opt-out from a phone that is not a contact yet creates the contact, opted out, so a
--     later import does not make them reachable again (imports never clear opted_out);
--     an opt-in from an unknown phone creates nothing.
-- The dispatcher's claim refuses a contact opted out after the audience snapshot, so the rest
-- of a campaign under way does not reach them either (docs/dispatcher.md).

ALTER TABLE contacts ADD COLUMN opt_requested_at timestamptz;

-- The dispatcher's claim asks "did this phone opt out?" for every recipient it claims; this
-- index holds only the opted-out phones, so for everyone else the answer is one probe into a
-- small index and no heap read.
CREATE INDEX contacts_opted_out_phone ON contacts (phone) WHERE opted_out;

-- The staging table of replies gains the column `opt`; 041's function still creates the
-- tables, this one adds the column (also to a table a session created before this migration).
ALTER FUNCTION analytics_session_init() RENAME TO analytics_session_init_041;
CREATE FUNCTION analytics_session_init() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_session_init_041();
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
                   WHERE attrelid = 'pg_temp.analytics_stage_replies'::regclass
                     AND attname = 'opt' AND NOT attisdropped) THEN
        ALTER TABLE pg_temp.analytics_stage_replies
            ADD COLUMN opt text CHECK (opt IN ('out', 'in'));
    END IF;
END
$$;

CREATE FUNCTION analytics_apply_opt_keywords(OUT opted_out bigint, OUT opted_in bigint)
LANGUAGE plpgsql AS $$
BEGIN
    WITH latest AS (
        SELECT DISTINCT ON (s.from_phone) s.from_phone, s.opt, analytics_ms(s.ts_ms) AS at
        FROM analytics_stage_replies s
        WHERE s.opt IS NOT NULL
          AND s.from_phone ~ '^[1-9][0-9]{7,14}$'
          AND NOT EXISTS (SELECT 1 FROM analytics_replies r WHERE r.wamid = s.wamid)
        ORDER BY s.from_phone, s.ts_ms DESC, s.wamid DESC
    ), outs AS (
        INSERT INTO contacts AS c (phone, opted_out, opted_out_at, opt_requested_at)
        SELECT from_phone, true, at, at FROM latest WHERE opt = 'out'
        ON CONFLICT (phone) DO UPDATE
            SET opted_out = true,
                opted_out_at = CASE WHEN c.opted_out THEN c.opted_out_at
                                    ELSE EXCLUDED.opted_out_at END,
                opt_requested_at = EXCLUDED.opt_requested_at,
                updated_at = now()
            WHERE c.opt_requested_at IS NULL OR c.opt_requested_at < EXCLUDED.opt_requested_at
        RETURNING 1
    ), ins AS (
        UPDATE contacts c
        SET opted_out = false, opted_out_at = NULL, opt_requested_at = l.at, updated_at = now()
        FROM latest l
        WHERE l.opt = 'in' AND c.phone = l.from_phone
          AND (c.opt_requested_at IS NULL OR c.opt_requested_at < l.at)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM outs), (SELECT count(*) FROM ins) INTO opted_out, opted_in;
END
$$;
