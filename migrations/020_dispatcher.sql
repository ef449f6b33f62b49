-- 020_dispatcher.sql - operator views over the dispatcher's claims. The dispatcher keeps its
-- state in campaign_recipients (001_core.sql): `sending` = claimed, request possibly in flight;
-- `uncertain` = the request may or may not have reached the Cloud API (a crash or a timeout
-- after sending) and was deliberately not resent (docs/dispatcher.md, "Crash safety").

-- Open claims and uncertain outcomes per campaign and claimer: what to look at after a crash.
CREATE VIEW dispatcher_claims AS
SELECT campaign_id,
       state,
       claimed_by,
       count(*)        AS recipients,
       min(claimed_at) AS oldest_claim,
       max(updated_at) AS last_update
FROM campaign_recipients
WHERE state IN ('sending', 'uncertain')
GROUP BY campaign_id, state, claimed_by;

-- Per-recipient list of uncertain outcomes, for export or a manual resend decision.
CREATE VIEW dispatcher_uncertain_recipients AS
SELECT campaign_id, recipient_id, phone, attempts, claimed_by, claimed_at, error_code,
       error_title, updated_at
FROM campaign_recipients
WHERE state = 'uncertain';
