-- 015_messaging_limit.sql - Meta's messaging limit: who was contacted in the last 24 hours, and
-- how many people the business portfolio may contact in that time.
--
-- Why: Meta caps the unique people a business portfolio may message outside a customer service
-- window in any moving 24 hours (its messaging limit: 250, 2,000, 10,000, 100,000, unlimited),
-- shared by all its numbers and campaigns, and documents no error code for going over it. With
-- a limit set (herald-ctl messaging-limit --set N), a segmenter emits a recipient only while the
-- people contacted in the last 24 hours leave room, and a person already contacted in that time
-- costs nothing more (plugins/segmenter/messaging_limit.c). One value for every instance, in the
-- database, because it is one budget; Meta raises it while campaigns run.
--
-- The ledger has one row per person with the time of their last emission: a person is inside
-- the moving window exactly when that time is. Rows are written at emission, before a message
-- may fail (Herald counts on the safe side: Meta counts delivered messages), and rows past the
-- window are deleted by the segmenter. Erasure replaces the phone and keeps the row until it
-- ages out (063), so the count stays right.

CREATE TABLE messaging_limit_contacts (
    phone        text PRIMARY KEY,
    contacted_at timestamptz NOT NULL
);
CREATE INDEX messaging_limit_contacts_at ON messaging_limit_contacts (contacted_at);

CREATE TABLE messaging_limit_setting (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    people     integer NOT NULL CHECK (people >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- people: the limit (0 = none); used: people contacted in the last 24 h (NULL without a limit:
-- nobody counts then); room: how many more may be (NULL without a limit); next_room_at: when
-- the next one may be, while there is no room.
CREATE FUNCTION messaging_limit_status(OUT people integer, OUT used bigint, OUT room bigint,
                                       OUT next_room_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    people := coalesce((SELECT s.people FROM messaging_limit_setting s), 0);
    IF people = 0 THEN
        RETURN;
    END IF;
    SELECT count(*) INTO used FROM messaging_limit_contacts m
    WHERE m.contacted_at > now() - interval '24 hours';
    room := CASE WHEN people > 0 THEN greatest(people - used, 0) END;
    IF people > 0 AND used >= people THEN
        -- room for one more once all but people - 1 of today's contacts have aged out
        SELECT m.contacted_at + interval '24 hours' INTO next_room_at
        FROM messaging_limit_contacts m WHERE m.contacted_at > now() - interval '24 hours'
        ORDER BY m.contacted_at OFFSET used - people LIMIT 1;
    END IF;
END
$$;

-- Sets the limit (0 = none). Turned on, the ledger first learns whom campaigns reached in the
-- last 24 hours while it was off (every recipient past `pending` whose row changed in that time),
-- so the first day is not counted from zero.
CREATE FUNCTION messaging_limit_set(p_people integer, OUT people integer, OUT used bigint,
                                    OUT room bigint, OUT next_room_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    was integer := coalesce((SELECT s.people FROM messaging_limit_setting s), 0);
BEGIN
    INSERT INTO messaging_limit_setting AS s (people) VALUES (p_people)
    ON CONFLICT (only_row) DO UPDATE SET people = excluded.people, updated_at = now();
    IF was = 0 AND p_people > 0 THEN
        INSERT INTO messaging_limit_contacts AS m (phone, contacted_at)
        SELECT r.phone, max(r.updated_at) FROM campaign_recipients r
        WHERE r.state <> 'pending' AND r.updated_at > now() - interval '24 hours'
        GROUP BY r.phone
        ON CONFLICT (phone) DO UPDATE
            SET contacted_at = greatest(m.contacted_at, excluded.contacted_at);
    END IF;
    SELECT * INTO people, used, room, next_room_at FROM messaging_limit_status();
END
$$;

-- campaign_limit_waits_until(c): for a running campaign inside its send window with recipients
-- still pending while the limit leaves no room, when the next one may go; NULL otherwise. The
-- "why is my campaign not sending?" of the limit, beside campaign_waits_until (013), for
-- herald-ctl, the control API and the dashboard.
CREATE FUNCTION campaign_limit_waits_until(c campaigns) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN c.status = 'running' AND campaign_send_window_open(c.send_window, now())
                     AND EXISTS (SELECT 1 FROM messaging_limit_setting s WHERE s.people > 0)
                     AND EXISTS (SELECT 1 FROM campaign_recipients r
                                 WHERE r.campaign_id = c.id AND r.state = 'pending')
                THEN (SELECT m.next_room_at FROM messaging_limit_status() m) END
$$;
