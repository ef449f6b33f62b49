-- 080_claim_keeps_state.sql - the dispatcher's claim no longer rewrites the row's indexed
-- columns, so PostgreSQL can update it in place (HOT).
--
-- Why: issue 4's throughput. A claim used to set state = 'sending'; `state` is in the
-- predicates of three partial indexes, so every claim was a non-HOT update: a new heap tuple
-- and four index entries per recipient, a third of the database's CPU per send
-- (docs/dispatcher-performance.md, "The claim as a HOT update"). Now the claim sets only
-- columns no index reads (claim_open, claimed_by, claimed_at, attempts, ...) and leaves `state`
-- at pending/queued; with room left on each page (fillfactor below) the new version stays on
-- the page and no index is touched. The resolution (accepted/failed/uncertain) still rewrites
-- the indexed columns, as it must (wamid, accepted_at, state).
--
-- What `sending` means is unchanged for every reader: a row is `sending` while claim_open is
-- set and its state is pending or queued. campaign_recipient_state() spells that once; the
-- views below, the dispatcher's crash policy and the reply attribution read it. The word
-- `sending` is no longer written to `state`: the CHECK below refuses it, so a dispatcher built
-- before this migration fails its claims loudly instead of writing a state nobody reads (stop
-- the old dispatchers before migrating; docs/deploy.md, "Migrate, then start").
-- Range 080-089 is the dispatcher's second (020-029 holds one file, but a migration that
-- redefines analytics' views must sort after theirs; docs/architecture.md).

ALTER TABLE campaign_recipients ADD COLUMN claim_open boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN campaign_recipients.claim_open IS
    'claimed by a dispatcher, outcome not recorded yet (with state pending/queued: "sending")';

-- Claims open at the upgrade, in the new form.
UPDATE campaign_recipients SET state = 'queued', claim_open = true WHERE state = 'sending';

ALTER TABLE campaign_recipients DROP CONSTRAINT campaign_recipients_state_check;
ALTER TABLE campaign_recipients ADD CONSTRAINT campaign_recipients_state_check
    CHECK (state IN ('pending', 'queued', 'accepted', 'failed', 'uncertain'));

-- Room on every page for each row's claimed version: the claim is then a HOT update. Applies
-- to pages written from now on (every new campaign's snapshot); the table grows by about as
-- much as it leaves free, which the claim's tuples would have taken elsewhere anyway.
ALTER TABLE campaign_recipients SET (fillfactor = 50);

-- The state as operators and the outcome words know it.
CREATE FUNCTION campaign_recipient_state(p_state text, p_claim_open boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_claim_open AND p_state IN ('pending', 'queued') THEN 'sending'
                ELSE p_state END
$$;

-- 020's view, on the new form of a claim.
CREATE OR REPLACE VIEW dispatcher_claims AS
SELECT campaign_id,
       campaign_recipient_state(state, claim_open) AS state,
       claimed_by,
       count(*)        AS recipients,
       min(claimed_at) AS oldest_claim,
       max(updated_at) AS last_update
FROM campaign_recipients
WHERE claim_open AND state IN ('pending', 'queued') OR state = 'uncertain'
GROUP BY campaign_id, campaign_recipient_state(state, claim_open), claimed_by;

-- 058's view: `outcome` and `state` say `sending` for a claimed row, as before.
CREATE OR REPLACE VIEW campaign_recipient_outcomes AS
SELECT r.campaign_id, r.recipient_id, r.phone, r.name,
       CASE
           WHEN r.state IN ('pending', 'queued', 'uncertain', 'failed')
               THEN campaign_recipient_state(r.state, r.claim_open)
           WHEN d.read_at IS NOT NULL THEN 'read'
           WHEN d.delivered_at IS NOT NULL THEN 'delivered'
           WHEN d.failed_at IS NOT NULL THEN 'failed'
           WHEN d.sent_at IS NOT NULL THEN 'sent'
           ELSE 'accepted'
       END AS outcome,
       campaign_recipient_state(r.state, r.claim_open) AS state, r.attempts, coalesce(r.wamid, d.wamid) AS wamid,
       coalesce(r.accepted_at, d.accepted_at) AS accepted_at, d.sent_at, d.delivered_at,
       d.read_at, coalesce(d.failed_at, CASE WHEN r.state = 'failed' THEN r.updated_at END)
           AS failed_at,
       CASE WHEN r.state = 'failed' THEN r.error_code ELSE d.error_code END AS error_code,
       CASE WHEN r.state = 'failed' THEN r.error_title ELSE d.error_title END AS error_title,
       coalesce(d.replied_at, rep.first_reply_at) AS replied_at,
       coalesce(rep.replies, 0) AS replies, coalesce(rep.opted_out, false) AS opted_out
FROM campaign_recipients r
LEFT JOIN analytics_recipient_delivery d
    ON d.campaign_id = r.campaign_id AND d.recipient_id = r.recipient_id
LEFT JOIN LATERAL (
    SELECT count(*)::bigint AS replies, min(ar.received_at) AS first_reply_at,
           bool_or(ar.opt = 'out') AS opted_out
    FROM analytics_replies ar
    WHERE ar.campaign_id = r.campaign_id AND ar.recipient_id = r.recipient_id
) rep ON true;

-- 054's reply attribution (with 055's plan setting): the in-flight probe asks for a claimed row
-- of the phone instead of state = 'sending'.
CREATE OR REPLACE FUNCTION analytics_attribute_replies(p_window interval, p_park_timeout interval,
                                                       p_sweep boolean)
RETURNS bigint LANGUAGE plpgsql
SET enable_bitmapscan = off SET plan_cache_mode = force_custom_plan AS $$
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
                       WHERE y.phone = c.from_phone AND y.claim_open
                         AND y.state IN ('pending', 'queued')
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
