-- 013_send_window_opens_at.sql - when a running campaign that waits for its sending hours goes
-- on by itself.
--
-- Why: outside its send window (012) a running campaign sends nothing and its progress stands
-- still; without this an operator watching it sees only a rate of 0 and an unknown ETA, and
-- cannot tell "waiting for 09:00 in Berlin" from "stuck". herald-ctl (watch, campaign list and
-- show) and the control API print this instant.
--
-- campaign_send_window_opens_at(window, at): NULL when the window is open at `at` (or there is
-- none), else the next local `from` time after `at`, as an instant: today's `from` while the
-- local time is before it, else tomorrow's (also right for windows that span midnight, which
-- are closed only between `to` and `from`). A `from` that a DST change skips is taken as
-- PostgreSQL takes any local time in the gap (moved forward by the jump).

CREATE FUNCTION campaign_send_window_opens_at(p_window jsonb, p_at timestamptz)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN campaign_send_window_open(p_window, p_at) THEN NULL
                ELSE ((w.l::date + CASE WHEN w.l::time < w.f THEN 0 ELSE 1 END) + w.f)
                     AT TIME ZONE w.z END
    FROM (SELECT p_at AT TIME ZONE (p_window ->> 'time_zone') AS l,
                 (p_window ->> 'from')::time AS f, p_window ->> 'time_zone' AS z) w
$$;

-- campaign_waits_until(campaign): for a RUNNING campaign outside its window, when it goes on;
-- NULL otherwise (a draft or paused campaign waits for a command, not for the clock). The one
-- rule herald-ctl and the control API read, called as campaign_waits_until(c).
CREATE FUNCTION campaign_waits_until(c campaigns) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN c.status = 'running' THEN campaign_send_window_opens_at(c.send_window, now())
           END
$$;
