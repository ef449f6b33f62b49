-- 070_template_status_per_waba.sql - Meta's template announcements reach only the campaigns of
-- the business account (WABA) they are about.
--
-- Why: a template's name is unique within a WABA, not across the WABAs of one business
-- portfolio, and 019 matched campaigns by template name and language only: a PAUSED or a
-- DISABLED of brand B's `spring_sale` paused or failed brand A's campaigns on its own
-- `spring_sale`, and an announcement of one WABA could be ignored as "older" than the other
-- WABA's. A campaign names its phone number, not its WABA; Meta says which WABA a number
-- belongs to in every status and message webhook (entry.id and metadata.phone_number_id), so the
-- webhook gateway announces each pair it sees (`waba_number` command, about once an hour) and
-- the segmenter records it here (plugins/segmenter/waba_number.c). A template announcement
-- then leaves alone the campaigns whose number is known to belong to another WABA; a number not
-- seen yet, or an announcement without a WABA id, is matched by name and language as before.
-- Range 070-079 is the segmenter's second (010-019 is full; docs/architecture.md).

-- Which WABA each business phone number belongs to, as Meta's webhooks last said.
CREATE TABLE whatsapp_numbers (
    phone_number_id  text PRIMARY KEY,
    waba_id          text NOT NULL,
    seen_at          timestamptz NOT NULL -- the webhook entry's time
);

-- Records one pair; an announcement older than the one recorded changes nothing. Returns
-- 'recorded', 'moved' (the number was known under another WABA) or 'stale'.
CREATE FUNCTION phone_number_announced(p_phone_number_id text, p_waba_id text,
                                       p_at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before text;
BEGIN
    SELECT waba_id INTO before FROM whatsapp_numbers WHERE phone_number_id = p_phone_number_id
        FOR UPDATE;
    INSERT INTO whatsapp_numbers AS n (phone_number_id, waba_id, seen_at)
    VALUES (p_phone_number_id, p_waba_id, p_at)
    ON CONFLICT (phone_number_id) DO UPDATE SET waba_id = excluded.waba_id,
        seen_at = excluded.seen_at
        WHERE n.seen_at < excluded.seen_at;
    IF NOT FOUND THEN
        RETURN 'stale';
    END IF;
    RETURN CASE WHEN before IS NOT NULL AND before <> p_waba_id THEN 'moved'
                ELSE 'recorded' END;
END
$$;

-- The newest word per template of each WABA ('' when the announcement named none).
ALTER TABLE template_status ADD COLUMN waba_id text NOT NULL DEFAULT '';
ALTER TABLE template_status DROP CONSTRAINT template_status_pkey;
ALTER TABLE template_status ADD PRIMARY KEY (waba_id, name, language);

-- The campaign's number is not known to belong to a WABA other than p_waba.
CREATE FUNCTION campaign_may_belong_to_waba(p_phone_number_id text, p_waba text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT p_waba IS NULL OR NOT EXISTS (
        SELECT 1 FROM whatsapp_numbers n
        WHERE n.phone_number_id = p_phone_number_id AND n.waba_id <> p_waba)
$$;

DROP FUNCTION template_status_announced(text, text, text, text, timestamptz, boolean);

-- As in 019, for the campaigns of p_waba (NULL: every WABA).
CREATE FUNCTION template_status_announced(p_name text, p_language text, p_event text,
                                          p_reason text, p_at timestamptz, p_apply boolean,
                                          p_waba text)
RETURNS TABLE (action text, campaign_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    why text := CASE WHEN coalesce(p_reason, '') IN ('', 'NONE') THEN ''
                     ELSE ' (' || p_reason || ')' END;
BEGIN
    INSERT INTO template_status AS t (waba_id, name, language, event, reason, announced_at)
    VALUES (coalesce(p_waba, ''), p_name, p_language, p_event, p_reason, p_at)
    ON CONFLICT (waba_id, name, language) DO UPDATE
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
          AND campaign_may_belong_to_waba(c.phone_number_id, p_waba)
        RETURNING 'paused'::text, c.id;
    ELSIF p_apply AND p_event = 'APPROVED' THEN
        -- what the segmenter's resume command does: running, and the unsent rows pending again
        RETURN QUERY
        WITH resumed AS (
            UPDATE campaigns c SET status = 'running', resumed_at = now(),
                template_paused_at = NULL, status_reason = NULL, updated_at = now()
            WHERE c.status = 'paused' AND c.template_paused_at IS NOT NULL
              AND c.template_name = p_name AND c.template_language = p_language
              AND campaign_may_belong_to_waba(c.phone_number_id, p_waba)
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
          AND campaign_may_belong_to_waba(c.phone_number_id, p_waba)
        RETURNING 'failed'::text, c.id;
    ELSE
        RETURN QUERY SELECT 'recorded'::text, NULL::bigint;
    END IF;
END
$$;
