-- 044_analytics_apply.sql - one call per Kafka batch (or per sweep tick).
--
-- Why one function: the stage COPYs the batch into analytics_stage / analytics_stage_replies
-- and then needs a single round trip for everything else, inside the caller's transaction, so
-- a batch is all-or-nothing and its offsets are committed only after this commits.
-- Order matters: replies are attributed first (they add replied_ms rows), wamid-only statuses
-- are resolved, parked statuses that became resolvable rejoin the stage, what is still unknown
-- is parked, then the campaigns touched are locked in id order and everything is folded.
CREATE FUNCTION analytics_apply_batch(p_window_hours double precision,
                                      p_park_timeout_s double precision,
                                      p_park_retention_h double precision,
                                      p_sweep boolean,
                                      OUT folded bigint, OUT parked bigint, OUT unparked bigint,
                                      OUT replies_stored bigint, OUT replies_attributed bigint,
                                      OUT expired bigint, OUT parked_pending bigint,
                                      OUT replies_pending bigint)
LANGUAGE plpgsql AS $$
BEGIN
    replies_stored := analytics_store_replies();
    replies_attributed := analytics_attribute_replies(
        make_interval(secs => p_window_hours * 3600), make_interval(secs => p_park_timeout_s),
        p_sweep);
    PERFORM analytics_resolve_stage();
    unparked := analytics_unpark(p_sweep);
    parked := analytics_park_unresolved();
    expired := 0;
    parked_pending := NULL;
    replies_pending := NULL;
    IF p_sweep THEN
        DELETE FROM analytics_parked_events
        WHERE parked_at < now() - make_interval(secs => p_park_retention_h * 3600);
        GET DIAGNOSTICS expired = ROW_COUNT;
        SELECT count(*) INTO parked_pending FROM analytics_parked_events;
        SELECT count(*) INTO replies_pending FROM analytics_replies WHERE attribution = 'pending';
    END IF;
    PERFORM analytics_lock_campaign(c)
    FROM (SELECT DISTINCT campaign_id AS c FROM analytics_stage
          WHERE campaign_id IS NOT NULL AND recipient_id IS NOT NULL ORDER BY 1) touched;
    folded := analytics_fold_stage();
END
$$;
