-- 019_template_status.sql - what Meta says about a template, and the campaigns it stops.
--
-- Why: Meta pauses a message template whose quality dropped (3 hours the first time, 6 the
-- second, disabled the third) and says so by a message_template_status_update webhook
-- (PAUSED), and again when it is usable (APPROVED); it also disables and deletes templates.
-- A campaign on a paused template only collects 132015 answers, and one on a disabled template
-- can never be sent. The webhook gateway turns these webhooks into
-- `template_status` commands and the segmenter applies them here
-- (plugins/segmenter/template_status.c): a pause pauses the running campaigns on the template,
-- the approval resumes exactly those (not a campaign somebody paused by hand), and a template
-- gone for good (disabled, deleted) fails the campaigns still waiting on it. REJECTED is only
-- recorded: it may concern an edit while the approved version stays usable, and a template that
-- cannot be sent stops its campaign at the first answer anyway (the dispatcher, 132001). The
-- dispatcher marks a campaign it paused on a 132015 answer the same way, so the approval
-- resumes it too.

-- The newest word per template: events arrive late and twice; an older one changes nothing.
CREATE TABLE template_status (
    name         text NOT NULL,
    language     text NOT NULL,
    event        text NOT NULL,
    reason       text,
    announced_at timestamptz NOT NULL,
    PRIMARY KEY (name, language)
);

-- When the campaign was paused because Meta paused its template; NULL otherwise (any pause,
-- resume or cancel command clears it).
ALTER TABLE campaigns ADD COLUMN template_paused_at timestamptz;

-- Applies one announcement: p_apply false only records it. Returns one row per campaign
-- changed (action 'paused', 'resumed' or 'failed'), or a single row with campaign_id NULL and
-- action 'stale' (not newer than the last announcement for the template) or 'recorded'.
CREATE FUNCTION template_status_announced(p_name text, p_language text, p_event text,
                                          p_reason text, p_at timestamptz, p_apply boolean)
RETURNS TABLE (action text, campaign_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    why text := CASE WHEN coalesce(p_reason, '') IN ('', 'NONE') THEN ''
                     ELSE ' (' || p_reason || ')' END;
BEGIN
    INSERT INTO template_status AS t (name, language, event, reason, announced_at)
    VALUES (p_name, p_language, p_event, p_reason, p_at)
    ON CONFLICT (name, language) DO UPDATE
        SET event = excluded.event, reason = excluded.reason, announced_at = excluded.announced_at
        WHERE t.announced_at < excluded.announced_at;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'stale'::text, NULL::bigint;
        RETURN;
    END IF;
    IF p_apply AND p_event = 'PAUSED' THEN
        RETURN QUERY
        UPDATE campaigns c SET status = 'paused', paused_at = now(), template_paused_at = now(),
            updated_at = now(),
            status_reason = format('template %s (%s) paused by Meta%s: Herald resumes the '
                                   'campaign when Meta approves the template again', p_name,
                                   p_language, why)
        WHERE c.status = 'running' AND c.template_name = p_name
          AND c.template_language = p_language
        RETURNING 'paused'::text, c.id;
    ELSIF p_apply AND p_event = 'APPROVED' THEN
        -- what the segmenter's resume command does: running, and the unsent rows pending again
        RETURN QUERY
        WITH resumed AS (
            UPDATE campaigns c SET status = 'running', resumed_at = now(),
                template_paused_at = NULL, status_reason = NULL, updated_at = now()
            WHERE c.status = 'paused' AND c.template_paused_at IS NOT NULL
              AND c.template_name = p_name AND c.template_language = p_language
            RETURNING c.id),
        requeued AS (
            UPDATE campaign_recipients r SET state = 'pending', updated_at = now()
            FROM resumed WHERE r.campaign_id = resumed.id AND r.state = 'queued')
        SELECT 'resumed'::text, resumed.id FROM resumed;
    ELSIF p_apply AND p_event IN ('DISABLED', 'DELETED', 'PENDING_DELETION') THEN
        RETURN QUERY
        UPDATE campaigns c SET status = 'failed', failed_at = now(), template_paused_at = NULL,
            updated_at = now(),
            status_reason = format('template %s (%s) %s by Meta%s: the campaign cannot be sent; '
                                   'duplicate it with another template', p_name, p_language,
                                   CASE p_event WHEN 'PENDING_DELETION' THEN 'deleted'
                                                ELSE lower(p_event) END, why)
        WHERE c.status IN ('scheduled', 'running', 'paused') AND c.template_name = p_name
          AND c.template_language = p_language
        RETURNING 'failed'::text, c.id;
    ELSE
        RETURN QUERY SELECT 'recorded'::text, NULL::bigint;
    END IF;
END
$$;
