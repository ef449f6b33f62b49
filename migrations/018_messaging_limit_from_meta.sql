-- 018_messaging_limit_from_meta.sql - the messaging limit Meta announces, recorded and followed.
--
-- Why: Meta raises a business portfolio's 24-hour messaging limit as it earns quality (2,000,
-- 10,000, 100,000, unlimited) and may lower it, and says so in a business_capability_update
-- (or phone_number_quality_update) webhook. The webhook gateway turns that into a
-- `messaging_limit` command on campaign-commands; the segmenter calls
-- messaging_limit_announced() with it (plugins/segmenter/messaging_limit_command.c), so
-- campaigns use a raised limit at once and stay under a lowered one, without an operator.
-- Webhooks arrive out of order and more than once: an announcement no newer than the last one
-- recorded changes nothing.

ALTER TABLE messaging_limit_setting
    ADD COLUMN meta_people integer CHECK (meta_people >= 0), -- Meta's last word; 0 = unlimited
    ADD COLUMN meta_announced_at timestamptz,               -- when Meta said it (the entry's time)
    ADD COLUMN meta_source text;                            -- the webhook field that said it

-- p_people: the announced limit (0 = unlimited); p_follow: apply it (the segmenter's
-- follow_meta_messaging_limit) or only record it. outcome: 'applied', 'recorded' or 'stale';
-- was / people: the limit in force before and after.
CREATE FUNCTION messaging_limit_announced(p_people integer, p_at timestamptz, p_source text,
                                          p_follow boolean, OUT outcome text, OUT was integer,
                                          OUT people integer)
LANGUAGE plpgsql AS $$
DECLARE
    last timestamptz;
BEGIN
    INSERT INTO messaging_limit_setting (people) VALUES (0) ON CONFLICT (only_row) DO NOTHING;
    SELECT s.people, s.meta_announced_at INTO was, last FROM messaging_limit_setting s FOR UPDATE;
    people := was;
    IF last IS NOT NULL AND p_at <= last THEN
        outcome := 'stale';
        RETURN;
    END IF;
    UPDATE messaging_limit_setting
    SET meta_people = p_people, meta_announced_at = p_at, meta_source = p_source;
    IF p_follow THEN
        SELECT l.people INTO people FROM messaging_limit_set(p_people) l;
        outcome := 'applied';
    ELSE
        outcome := 'recorded';
    END IF;
END
$$;
