-- 041_analytics_fold.sql - the set-based fold of a batch of delivery events and replies.
--
-- Why in SQL functions: the analytics stage COPYs a whole Kafka batch into two session-local
-- staging tables and then makes ONE call, analytics_apply_batch(), so a batch costs a handful
-- of set-based statements in one round trip. The same functions are used by the bench and can
-- be read and tested on their own. Exactness comes from computing counter, per-minute and
-- failure deltas from the old and new per-recipient rows inside the same statement that writes
-- them, while holding a per-campaign advisory lock (one writer per campaign at a time).

-- Staging tables are TEMP (per connection) and emptied at commit. The stage calls this once per
-- new server connection, before its first COPY.
CREATE FUNCTION analytics_session_init() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.analytics_stage') IS NULL THEN
        CREATE TEMP TABLE analytics_stage (
            campaign_id   bigint,
            recipient_id  bigint,
            wamid         text,
            phone         text,
            accepted_ms   bigint,
            sent_ms       bigint,
            delivered_ms  bigint,
            read_ms       bigint,
            failed_ms     bigint,
            error_code    integer,
            error_title   text,
            replied_ms    bigint
        ) ON COMMIT DELETE ROWS;
    END IF;
    IF to_regclass('pg_temp.analytics_stage_replies') IS NULL THEN
        CREATE TEMP TABLE analytics_stage_replies (
            wamid         text,
            from_phone    text,
            ts_ms         bigint,
            type          text,
            body          text,
            context_id    text,
            profile_name  text
        ) ON COMMIT DELETE ROWS;
    END IF;
END
$$;

CREATE FUNCTION analytics_ms(ms bigint) RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT timestamptz 'epoch' + ms * interval '1 millisecond' $$;

-- Minute bucket of a time, by plain arithmetic (no time zone lookups, unlike date_trunc).
CREATE FUNCTION analytics_minute(t timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS
$$ SELECT date_bin(interval '1 minute', t, timestamptz '2000-01-01 00:00:00+00') $$;

CREATE FUNCTION analytics_epoch_ms(t timestamptz) RETURNS bigint LANGUAGE sql STABLE AS
$$ SELECT (extract(epoch FROM t) * 1000)::bigint $$;

-- True when failure (nf, nc, nt) must replace the stored one (of, oc, ot): the earliest failure
-- wins, ties broken by code then title, so the surviving reason does not depend on arrival order.
CREATE FUNCTION analytics_failure_wins(nf timestamptz, nc integer, nt text,
                                       of timestamptz, oc integer, ot text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT nf IS NOT NULL AND (of IS NULL OR nf < of
           OR (nf = of AND (coalesce(nc, 0), coalesce(nt, '') COLLATE "C")
                           < (coalesce(oc, 0), coalesce(ot, '') COLLATE "C")))
$$;

-- Serialises writers of the same campaign: recalculate vs folds, and batches of several
-- instances (no deadlocks: taken in campaign id order before any row is written). Two-int
-- form with our own class id so it never collides with other stages' bigint advisory locks.
CREATE FUNCTION analytics_lock_campaign(c bigint) RETURNS void LANGUAGE sql AS
$$ SELECT pg_advisory_xact_lock(4040, (c % 2147483647)::integer) $$;

-- Fold every keyed row of analytics_stage into analytics_recipient_delivery and move the
-- counters, the per-minute series and the failure breakdown by exactly the transitions made.
-- The upsert stores the previous values in prev_* and returns them with the new ones, so the
-- deltas come from the very rows written (no second lookup, no race).
-- Returns the number of recipient rows that changed. Caller holds the campaign locks.
CREATE FUNCTION analytics_fold_stage() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    WITH agg AS (
        SELECT campaign_id, recipient_id, min(wamid) AS wamid, min(phone) AS phone,
               analytics_ms(min(accepted_ms)) AS accepted_at,
               analytics_ms(min(sent_ms)) AS sent_at,
               analytics_ms(min(delivered_ms)) AS delivered_at,
               analytics_ms(min(read_ms)) AS read_at,
               analytics_ms(min(failed_ms)) AS failed_at,
               analytics_ms(min(replied_ms)) AS replied_at
        FROM analytics_stage
        WHERE campaign_id IS NOT NULL AND recipient_id IS NOT NULL
        GROUP BY campaign_id, recipient_id
    ), failure AS (
        -- The winning failure of the batch per recipient (few rows: a separate, sorted pass).
        SELECT DISTINCT ON (campaign_id, recipient_id) campaign_id, recipient_id, error_code,
               error_title
        FROM analytics_stage
        WHERE campaign_id IS NOT NULL AND recipient_id IS NOT NULL AND failed_ms IS NOT NULL
        ORDER BY campaign_id, recipient_id, failed_ms, coalesce(error_code, 0),
                 coalesce(error_title, '') COLLATE "C"
    ), up AS (
        INSERT INTO analytics_recipient_delivery AS d
            (campaign_id, recipient_id, wamid, phone, accepted_at, sent_at, delivered_at,
             read_at, failed_at, error_code, error_title, replied_at)
        SELECT a.campaign_id, a.recipient_id, a.wamid, a.phone, a.accepted_at, a.sent_at,
               a.delivered_at, a.read_at, a.failed_at, f.error_code, f.error_title, a.replied_at
        FROM agg a
        LEFT JOIN failure f ON f.campaign_id = a.campaign_id AND f.recipient_id = a.recipient_id
        ON CONFLICT (campaign_id, recipient_id) DO UPDATE SET
            wamid = coalesce(d.wamid, EXCLUDED.wamid),
            phone = coalesce(d.phone, EXCLUDED.phone),
            accepted_at = least(d.accepted_at, EXCLUDED.accepted_at),
            sent_at = least(d.sent_at, EXCLUDED.sent_at),
            delivered_at = least(d.delivered_at, EXCLUDED.delivered_at),
            read_at = least(d.read_at, EXCLUDED.read_at),
            failed_at = least(d.failed_at, EXCLUDED.failed_at),
            error_code = CASE WHEN analytics_failure_wins(EXCLUDED.failed_at, EXCLUDED.error_code,
                                   EXCLUDED.error_title, d.failed_at, d.error_code, d.error_title)
                              THEN EXCLUDED.error_code ELSE d.error_code END,
            error_title = CASE WHEN analytics_failure_wins(EXCLUDED.failed_at, EXCLUDED.error_code,
                                    EXCLUDED.error_title, d.failed_at, d.error_code, d.error_title)
                               THEN EXCLUDED.error_title ELSE d.error_title END,
            replied_at = least(d.replied_at, EXCLUDED.replied_at),
            updated_at = now(),
            prev_seen = true,
            prev_accepted_at = d.accepted_at,
            prev_sent_at = d.sent_at,
            prev_delivered_at = d.delivered_at,
            prev_read_at = d.read_at,
            prev_failed_at = d.failed_at,
            prev_error_code = d.error_code,
            prev_replied_at = d.replied_at
        -- A duplicate or a late lower step changes nothing: no write, no dead tuple, no delta.
        WHERE (d.wamid IS NULL AND EXCLUDED.wamid IS NOT NULL)
           OR (d.phone IS NULL AND EXCLUDED.phone IS NOT NULL)
           OR EXCLUDED.accepted_at < d.accepted_at
           OR (d.accepted_at IS NULL AND EXCLUDED.accepted_at IS NOT NULL)
           OR EXCLUDED.sent_at < d.sent_at
           OR (d.sent_at IS NULL AND EXCLUDED.sent_at IS NOT NULL)
           OR EXCLUDED.delivered_at < d.delivered_at
           OR (d.delivered_at IS NULL AND EXCLUDED.delivered_at IS NOT NULL)
           OR EXCLUDED.read_at < d.read_at
           OR (d.read_at IS NULL AND EXCLUDED.read_at IS NOT NULL)
           OR analytics_failure_wins(EXCLUDED.failed_at, EXCLUDED.error_code,
                                     EXCLUDED.error_title, d.failed_at, d.error_code, d.error_title)
           OR EXCLUDED.replied_at < d.replied_at
           OR (d.replied_at IS NULL AND EXCLUDED.replied_at IS NOT NULL)
        RETURNING d.campaign_id,
                  d.accepted_at AS n_acc, d.prev_accepted_at AS o_acc,
                  d.sent_at AS n_sent, d.prev_sent_at AS o_sent,
                  d.delivered_at AS n_del, d.prev_delivered_at AS o_del,
                  d.read_at AS n_read, d.prev_read_at AS o_read,
                  d.failed_at AS n_fail, d.prev_failed_at AS o_fail,
                  d.error_code AS n_code, d.prev_error_code AS o_code,
                  d.error_title AS n_title,
                  d.replied_at AS n_rep, d.prev_replied_at AS o_rep,
                  NOT d.prev_seen AS is_new
    ), pair AS (
        SELECT * FROM up
    ), stats AS (
        INSERT INTO analytics_campaign_stats AS s
            (campaign_id, recipients, settled, accepted, sent, delivered, read, failed, replied,
             first_accepted_at, updated_at)
        SELECT campaign_id,
               count(*) FILTER (WHERE is_new),
               sum((n_acc IS NOT NULL OR n_fail IS NOT NULL)::int
                   - (o_acc IS NOT NULL OR o_fail IS NOT NULL)::int),
               sum((n_acc IS NOT NULL)::int - (o_acc IS NOT NULL)::int),
               sum((n_sent IS NOT NULL)::int - (o_sent IS NOT NULL)::int),
               sum((n_del IS NOT NULL)::int - (o_del IS NOT NULL)::int),
               sum((n_read IS NOT NULL)::int - (o_read IS NOT NULL)::int),
               sum((n_fail IS NOT NULL)::int - (o_fail IS NOT NULL)::int),
               sum((n_rep IS NOT NULL)::int - (o_rep IS NOT NULL)::int),
               min(n_acc), now()
        FROM pair GROUP BY campaign_id
        ON CONFLICT (campaign_id) DO UPDATE SET
            recipients = s.recipients + EXCLUDED.recipients,
            settled = s.settled + EXCLUDED.settled,
            accepted = s.accepted + EXCLUDED.accepted,
            sent = s.sent + EXCLUDED.sent,
            delivered = s.delivered + EXCLUDED.delivered,
            read = s.read + EXCLUDED.read,
            failed = s.failed + EXCLUDED.failed,
            replied = s.replied + EXCLUDED.replied,
            first_accepted_at = least(s.first_accepted_at, EXCLUDED.first_accepted_at),
            updated_at = now()
        RETURNING 1
    ), minute_moves AS (
        -- A step reached: +1 in its minute. A step whose time moved earlier: -1 in the old
        -- minute, +1 in the new. Steps 1-6: accepted, sent, delivered, read, failed, replied.
        SELECT campaign_id, analytics_minute(n_acc) AS minute, 1 AS step, 1 AS n
        FROM pair WHERE n_acc IS NOT NULL AND n_acc IS DISTINCT FROM o_acc
        UNION ALL
        SELECT campaign_id, analytics_minute(o_acc), 1, -1
        FROM pair WHERE o_acc IS NOT NULL AND n_acc IS DISTINCT FROM o_acc
        UNION ALL
        SELECT campaign_id, analytics_minute(n_sent) AS minute, 2 AS step, 1 AS n
        FROM pair WHERE n_sent IS NOT NULL AND n_sent IS DISTINCT FROM o_sent
        UNION ALL
        SELECT campaign_id, analytics_minute(o_sent), 2, -1
        FROM pair WHERE o_sent IS NOT NULL AND n_sent IS DISTINCT FROM o_sent
        UNION ALL
        SELECT campaign_id, analytics_minute(n_del) AS minute, 3 AS step, 1 AS n
        FROM pair WHERE n_del IS NOT NULL AND n_del IS DISTINCT FROM o_del
        UNION ALL
        SELECT campaign_id, analytics_minute(o_del), 3, -1
        FROM pair WHERE o_del IS NOT NULL AND n_del IS DISTINCT FROM o_del
        UNION ALL
        SELECT campaign_id, analytics_minute(n_read) AS minute, 4 AS step, 1 AS n
        FROM pair WHERE n_read IS NOT NULL AND n_read IS DISTINCT FROM o_read
        UNION ALL
        SELECT campaign_id, analytics_minute(o_read), 4, -1
        FROM pair WHERE o_read IS NOT NULL AND n_read IS DISTINCT FROM o_read
        UNION ALL
        SELECT campaign_id, analytics_minute(n_fail) AS minute, 5 AS step, 1 AS n
        FROM pair WHERE n_fail IS NOT NULL AND n_fail IS DISTINCT FROM o_fail
        UNION ALL
        SELECT campaign_id, analytics_minute(o_fail), 5, -1
        FROM pair WHERE o_fail IS NOT NULL AND n_fail IS DISTINCT FROM o_fail
        UNION ALL
        SELECT campaign_id, analytics_minute(n_rep) AS minute, 6 AS step, 1 AS n
        FROM pair WHERE n_rep IS NOT NULL AND n_rep IS DISTINCT FROM o_rep
        UNION ALL
        SELECT campaign_id, analytics_minute(o_rep), 6, -1
        FROM pair WHERE o_rep IS NOT NULL AND n_rep IS DISTINCT FROM o_rep
    ), series AS (
        INSERT INTO analytics_campaign_minute AS m
            (campaign_id, minute, accepted, sent, delivered, read, failed, replied)
        SELECT campaign_id, minute,
               coalesce(sum(n) FILTER (WHERE step = 1), 0),
               coalesce(sum(n) FILTER (WHERE step = 2), 0),
               coalesce(sum(n) FILTER (WHERE step = 3), 0),
               coalesce(sum(n) FILTER (WHERE step = 4), 0),
               coalesce(sum(n) FILTER (WHERE step = 5), 0),
               coalesce(sum(n) FILTER (WHERE step = 6), 0)
        FROM minute_moves GROUP BY campaign_id, minute
        ON CONFLICT (campaign_id, minute) DO UPDATE SET
            accepted = m.accepted + EXCLUDED.accepted,
            sent = m.sent + EXCLUDED.sent,
            delivered = m.delivered + EXCLUDED.delivered,
            read = m.read + EXCLUDED.read,
            failed = m.failed + EXCLUDED.failed,
            replied = m.replied + EXCLUDED.replied
        RETURNING 1
    ), failure_moves AS (
        SELECT campaign_id, coalesce(n_code, 0) AS code, n_title AS title, 1 AS n
        FROM pair
        WHERE n_fail IS NOT NULL AND (o_fail IS NULL OR n_code IS DISTINCT FROM o_code)
        UNION ALL
        SELECT campaign_id, coalesce(o_code, 0), NULL, -1
        FROM pair
        WHERE o_fail IS NOT NULL AND n_code IS DISTINCT FROM o_code
    ), failures AS (
        INSERT INTO analytics_campaign_failures AS f (campaign_id, error_code, error_title, recipients)
        SELECT campaign_id, code, min(title COLLATE "C"), sum(n)
        FROM failure_moves GROUP BY campaign_id, code
        ON CONFLICT (campaign_id, error_code) DO UPDATE SET
            recipients = f.recipients + EXCLUDED.recipients,
            error_title = least(f.error_title COLLATE "C", EXCLUDED.error_title COLLATE "C")
        RETURNING 1
    )
    -- Data-modifying CTEs always run to completion, read or not.
    SELECT count(*) INTO changed FROM pair;
    RETURN changed;
END
$$;
