-- 062_contact_erase_waits_for_folds.sql - an erasure and an analytics fold of the same campaign
-- no longer run at the same moment.
--
-- Why: a fold transaction under way while contact_erase_many (059) runs could create a delivery
-- row for the person from an event that still carries the phone: 060's check read the recipient
-- row before the erasure committed, and the erasure's updates did not see the fold's row, not yet
-- committed. Now an erasure first takes the analytics campaign lock (analytics_lock_campaign,
-- 041: what folds, recalculations and several analytics instances already serialise on) of
-- every campaign that has a message for one of its phones, in campaign id order as the folds
-- take them. A fold under way finishes first and the erasure then sees its rows; a fold that
-- starts during the erasure waits and then sees the erased recipient rows. The wait is one fold
-- batch or one erasure call (fractions of a second).
--
-- The erasure itself is 059's, renamed: contact_erase_many (and contact_erase, which calls it)
-- keep their signatures for herald-ctl and the API.

ALTER FUNCTION contact_erase_many(text[]) RENAME TO contact_erase_many_unlocked;

CREATE FUNCTION contact_erase_many(p_phones text[])
RETURNS TABLE (phone text, result text) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM analytics_lock_campaign(k.campaign_id)
    FROM (SELECT DISTINCT r.campaign_id FROM campaign_recipients r
          WHERE r.phone = ANY (p_phones) ORDER BY 1) k;
    RETURN QUERY SELECT * FROM contact_erase_many_unlocked(p_phones);
END
$$;
