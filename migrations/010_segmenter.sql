-- 010_segmenter.sql - what the segmenter needs on top of 001_core.sql: safe casts for audience
-- rules and the partial indexes its emission loop reads every tick.

-- Audience rules compare attributes (JSONB values, often strings from a CSV import) as numbers
-- or dates. A cast that fails would abort the whole audience query, so rules use these
-- "try" casts that give NULL (the rule is false) for values that are not numbers / dates.
CREATE FUNCTION herald_try_numeric(v text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v ~ '^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$'
                THEN v::numeric END
$$;

CREATE FUNCTION herald_try_timestamptz(v text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF v IS NULL OR v !~ '^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN
        RETURN NULL;
    END IF;
    RETURN v::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

-- The emitter counts a campaign's queued recipients and takes the next pending ones in
-- recipient order every tick; with a million pending rows both must stay index-only work.
CREATE INDEX campaign_recipients_queued ON campaign_recipients (campaign_id)
    WHERE state = 'queued';
CREATE INDEX campaign_recipients_pending ON campaign_recipients (campaign_id, recipient_id)
    WHERE state = 'pending';
-- Running campaigns are scanned every tick for emission and completion.
CREATE INDEX campaigns_running ON campaigns (id) WHERE status = 'running';
