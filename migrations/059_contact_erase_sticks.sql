-- 059_contact_erase_sticks.sql - an erased phone stays erased in the delivery rows, and erasing
-- many phones no longer reads the whole delivery table once per phone.
--
-- Why: contact_erase (011; replaced here, in the analytics range, because it needs the analytics
-- tables to exist) set analytics_recipient_delivery.phone to NULL. The analytics fold
-- keeps the first phone it sees (phone = coalesce(stored, incoming)), so a status webhook that
-- arrived after the erasure (Meta sends `read` days later) wrote the phone back and tied the
-- person to the campaign again. The rows now get the marker 'erased' (as analytics_replies'
-- from_phone already did): not NULL, so the fold keeps it; not digits, so no reply or lookup
-- ever matches it. And the statement that catches delivery rows by phone alone (rows whose
-- recipient row names another phone) scanned the table, which holds a row per message ever
-- sent, once per erased phone: it now has an index (built once here; on a table of millions
-- of rows that takes a while and blocks the analytics stage's writes meanwhile, so apply this
-- migration in a quiet hour). A new delivery row costs one index entry more; updates of the
-- delivery steps never change the phone, so they stay HOT.

CREATE INDEX analytics_recipient_delivery_phone ON analytics_recipient_delivery (phone)
    WHERE phone IS NOT NULL;

UPDATE analytics_recipient_delivery d SET phone = 'erased'
FROM campaign_recipients r
WHERE d.phone IS NULL AND r.campaign_id = d.campaign_id AND r.recipient_id = d.recipient_id
  AND r.phone LIKE 'erased:%';

CREATE OR REPLACE FUNCTION contact_erase(p_phone text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM campaign_recipients r JOIN campaigns k ON k.id = r.campaign_id
               WHERE r.phone = p_phone
                 AND r.state IN ('pending', 'queued', 'sending', 'uncertain')
                 AND k.status IN ('running', 'paused')) THEN
        RETURN 'refused: a campaign under way still has a message for it (wait or cancel)';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM contacts WHERE phone = p_phone)
       AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE phone = p_phone)
       AND NOT EXISTS (SELECT 1 FROM analytics_replies WHERE from_phone = p_phone) THEN
        RETURN 'not found';
    END IF;
    INSERT INTO contacts AS c (phone, opted_out, opted_out_at, opt_requested_at, erased_at)
    VALUES (p_phone, true, now(), now(), now())
    ON CONFLICT (phone) DO UPDATE
        SET name = NULL, attributes = '{}', tags = '{}', opted_out = true,
            opted_out_at = coalesce(c.opted_out_at, now()), opt_requested_at = now(),
            erased_at = now(), updated_at = now();
    DELETE FROM contact_list_members m USING contacts c
    WHERE m.contact_id = c.id AND c.phone = p_phone;
    UPDATE analytics_recipient_delivery d SET phone = 'erased'
    FROM campaign_recipients r
    WHERE r.phone = p_phone AND d.campaign_id = r.campaign_id AND d.recipient_id = r.recipient_id;
    UPDATE analytics_recipient_delivery SET phone = 'erased' WHERE phone = p_phone;
    -- A campaign that started after the check above (its snapshot raced this call) keeps the
    -- phone on its unsent rows: the dispatcher needs it to see the opt-out just written and fail
    -- them (131050) instead of sending; a later erase finishes the job once it has ended.
    UPDATE campaign_recipients r
    SET phone = 'erased:' || r.recipient_id, name = NULL, params = '[]', contact_id = NULL,
        updated_at = now()
    WHERE r.phone = p_phone
      AND NOT (r.state IN ('pending', 'queued', 'sending', 'uncertain')
               AND EXISTS (SELECT 1 FROM campaigns k WHERE k.id = r.campaign_id
                           AND k.status IN ('running', 'paused')));
    UPDATE analytics_replies SET from_phone = 'erased', body = NULL, profile_name = NULL
    WHERE from_phone = p_phone;
    UPDATE analytics_parked_events SET phone = NULL WHERE phone = p_phone;
    RETURN 'erased';
END
$$;
