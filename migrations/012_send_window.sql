-- 012_send_window.sql - a campaign's daily sending hours.
--
-- Why: a campaign may name the local hours it sends in ({"from": "09:00", "to": "20:00",
-- "time_zone": "Europe/Berlin"}; from > to spans midnight). The segmenter emits jobs only while
-- campaign_send_window_open() is true, so outside the hours a running campaign waits, with its
-- recipients pending, and goes on by itself when the window opens again. What was already
-- handed to the dispatchers (at most the emission window: rate x 5 s of sending) still goes
-- out after the window closes. The JSON is validated by plugins/segmenter/send_window.c; the
-- time zone against PostgreSQL's tz database when the command is applied (this function
-- raises 22023 for an unknown one).

ALTER TABLE campaigns ADD COLUMN send_window jsonb;

CREATE FUNCTION campaign_send_window_open(p_window jsonb, p_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_window IS NULL OR (
        SELECT CASE WHEN f < e THEN t >= f AND t < e ELSE t >= f OR t < e END
        FROM (SELECT (p_at AT TIME ZONE (p_window ->> 'time_zone'))::time AS t,
                     (p_window ->> 'from')::time AS f, (p_window ->> 'to')::time AS e) w)
$$;
