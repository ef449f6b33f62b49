-- 061_campaign_recipient_export.sql - one definition of "a campaign's recipients, exported"
-- for herald-ctl campaign recipients and GET /api/campaigns/{id}/recipients?format=csv.
--
-- Why: COPY takes no bind parameters, so both clients pass the campaign id and the outcome
-- filter as transaction-local settings and read them back with current_setting(): no value is
-- ever spliced into SQL text. Each spelled the settings and the query out itself, and a change
-- to one (the time zone of the timestamps, the order) could miss the other. Now:
--   SELECT campaign_recipient_export_prepare($1, $2);                     -- in a transaction
--   COPY (SELECT * FROM campaign_recipient_export()) TO STDOUT (FORMAT csv, HEADER);
-- campaign_recipient_export() is a plain SQL function, inlined into the caller's query like
-- campaign_recipient_outcomes_of (058), so COPY still streams rows as they are produced.

CREATE FUNCTION campaign_recipient_export_prepare(p_campaign bigint, p_outcomes text)
RETURNS void LANGUAGE sql VOLATILE AS $$
    SELECT set_config('herald.export_campaign', p_campaign::text, true),
           set_config('herald.export_outcomes', coalesce(p_outcomes, ''), true),
           set_config('TimeZone', 'UTC', true);
$$;

CREATE FUNCTION campaign_recipient_export() RETURNS SETOF campaign_recipient_outcomes
LANGUAGE sql STABLE AS $$
    SELECT * FROM campaign_recipient_outcomes_of(
        current_setting('herald.export_campaign')::bigint,
        current_setting('herald.export_outcomes'))
    ORDER BY recipient_id
$$;
