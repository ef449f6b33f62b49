-- 058_campaign_recipient_outcomes.sql - one row per campaign recipient with what became of it,
-- and the replies as people wrote them.
--
-- Why: the analytics views count; a business also asks *who*: the list of numbers that failed
-- (to clean its data), that read but did not reply, that said STOP. The dispatcher's record
-- (campaign_recipients: state, attempts, wamid, its own failures) and the analytics stage's
-- (analytics_recipient_delivery: the webhook steps; analytics_replies: attributed replies)
-- live in different tables written by different stages; this view is the one place that
-- joins them, read by `herald-ctl campaign recipients` (CSV / NDJSON export), the API's
-- GET /api/campaigns/{id}/recipients and `herald-ctl contacts show`.
--
-- `outcome` is the furthest step reached, one word:
--   pending, queued, sending, uncertain   not resolved yet (campaign_recipients.state)
--   failed      the dispatcher gave up (permanent error, opted out) or a `failed` webhook
--               came before any `delivered` (Meta sends `failed` after `sent` for messages it
--               could not deliver)
--   read > delivered > sent > accepted    the webhook steps, `accepted` = wamid, no status yet
-- A `failed` webhook after `delivered` (rare; Meta's ordering is not guaranteed) leaves the
-- outcome at delivered/read, as the counters in campaign_analytics do.

-- The words `outcome` can take, for the clients that filter on it (herald-ctl, the API) to
-- name an unknown one without keeping their own copy of the list.
CREATE FUNCTION campaign_recipient_outcome_names() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['pending', 'queued', 'sending', 'uncertain', 'accepted', 'sent', 'delivered',
                 'read', 'failed']
$$;

-- Replies per recipient: the lateral probe below needs them by recipient, not by time.
CREATE INDEX analytics_replies_recipient ON analytics_replies (campaign_id, recipient_id)
    WHERE campaign_id IS NOT NULL;

CREATE VIEW campaign_recipient_outcomes AS
SELECT r.campaign_id, r.recipient_id, r.phone, r.name,
       CASE
           WHEN r.state IN ('pending', 'queued', 'sending', 'uncertain', 'failed') THEN r.state
           WHEN d.read_at IS NOT NULL THEN 'read'
           WHEN d.delivered_at IS NOT NULL THEN 'delivered'
           WHEN d.failed_at IS NOT NULL THEN 'failed'
           WHEN d.sent_at IS NOT NULL THEN 'sent'
           ELSE 'accepted'
       END AS outcome,
       r.state, r.attempts, coalesce(r.wamid, d.wamid) AS wamid,
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

-- The rows of one campaign, only the given outcomes ('failed' or 'read, delivered'; blanks
-- ignored; NULL or '' = all). A plain SQL function, inlined into the caller's query, so
-- `WHERE recipient_id > $n ORDER BY recipient_id LIMIT $m` around it is still a primary-key
-- range. herald-ctl and the API call it instead of repeating the filter.
CREATE FUNCTION campaign_recipient_outcomes_of(p_campaign bigint, p_outcomes text)
RETURNS SETOF campaign_recipient_outcomes LANGUAGE sql STABLE AS $$
    SELECT * FROM campaign_recipient_outcomes
    WHERE campaign_id = p_campaign
      AND (coalesce(p_outcomes, '') = ''
           OR outcome = ANY (string_to_array(replace(p_outcomes, ' ', ''), ',')))
$$;

-- The words of an outcome list that are no outcome, comma-separated ('' when all are known),
-- for a client to refuse the filter naming them.
CREATE FUNCTION campaign_recipient_outcomes_unknown(p_outcomes text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_to_string(ARRAY(
        SELECT w FROM unnest(string_to_array(replace(p_outcomes, ' ', ''), ',')) w
        WHERE w <> '' AND w <> ALL (campaign_recipient_outcome_names())), ', ')
$$;

-- The replies themselves, for people to read: what a recipient answered (a question, a
-- complaint, "STOP") is why a business sends at all, and until now only counts were readable.
-- One row per inbound message (Meta's wamid), attributed to a campaign or not (attribution
-- 'none', or 'pending' while its campaign message may still be in flight). Read by herald-ctl
-- campaign replies / contacts show and GET /api/campaigns/{id}/replies.
CREATE VIEW reply_messages AS
SELECT wamid, from_phone AS phone, profile_name, received_at, type, body, context_id,
       campaign_id, recipient_id, attribution, opt
FROM analytics_replies;

-- A person's replies, newest first (herald-ctl contacts show); a campaign's are served by
-- analytics_replies_campaign (040).
CREATE INDEX analytics_replies_from_phone ON analytics_replies (from_phone, received_at);
