-- 059_contact_erase_sticks.sql - an erased phone stays erased in the delivery rows, and erasing
-- many phones reads the delivery table once per call, not once per phone.
--
-- Why: contact_erase (011; replaced here, in the analytics range, because it needs the analytics
-- tables to exist) set analytics_recipient_delivery.phone to NULL. The analytics fold keeps the
-- first phone it sees (phone = coalesce(stored, incoming)), so a status webhook that arrived
-- after the erasure (Meta sends `read` days later) wrote the phone back and tied the person to
-- the campaign again. The rows now get the marker 'erased' (as analytics_replies' from_phone
-- already did): not NULL, so the fold keeps it; not digits, so no reply or lookup matches it.
--
-- And the statement that catches delivery rows by phone alone (rows whose recipient row names
-- another phone, e.g. Meta's wa_id form of a number) read the whole table, a row per message
-- ever sent, once per erased phone. An index on the phone would cost the analytics fold ~6 %
-- on every event (measured with bench/analytics.sh, 2026-11-28) for a rare request, so instead
-- contact_erase_many(phones) erases a whole request (herald-ctl contacts erase A B C, or
-- POST /api/contacts/erase) with every per-phone statement on an index and that one scan, and
-- the parked statuses, done once at the end. contact_erase(phone) is the same for one phone.

UPDATE analytics_recipient_delivery d SET phone = 'erased'
FROM campaign_recipients r
WHERE d.phone IS NULL AND r.campaign_id = d.campaign_id AND r.recipient_id = d.recipient_id
  AND r.phone LIKE 'erased:%';

CREATE FUNCTION contact_erase_many(p_phones text[])
RETURNS TABLE (phone text, result text) LANGUAGE plpgsql AS $$
DECLARE
    p text;
    erased text[] := '{}';
BEGIN
    FOR p IN SELECT DISTINCT x FROM unnest(p_phones) x WHERE x IS NOT NULL ORDER BY 1 LOOP
        phone := p;
        IF EXISTS (SELECT 1 FROM campaign_recipients r JOIN campaigns k ON k.id = r.campaign_id
                   WHERE r.phone = p
                     AND r.state IN ('pending', 'queued', 'sending', 'uncertain')
                     AND k.status IN ('running', 'paused')) THEN
            result := 'refused: a campaign under way still has a message for it (wait or cancel)';
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM contacts c WHERE c.phone = p)
           AND NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.phone = p)
           AND NOT EXISTS (SELECT 1 FROM analytics_replies a WHERE a.from_phone = p) THEN
            result := 'not found';
            RETURN NEXT;
            CONTINUE;
        END IF;
        INSERT INTO contacts AS c (phone, opted_out, opted_out_at, opt_requested_at, erased_at)
        VALUES (p, true, now(), now(), now())
        ON CONFLICT ON CONSTRAINT contacts_phone_key DO UPDATE
            SET name = NULL, attributes = '{}', tags = '{}', opted_out = true,
                opted_out_at = coalesce(c.opted_out_at, now()), opt_requested_at = now(),
                erased_at = now(), updated_at = now();
        DELETE FROM contact_list_members m USING contacts c
        WHERE m.contact_id = c.id AND c.phone = p;
        UPDATE analytics_recipient_delivery d SET phone = 'erased'
        FROM campaign_recipients r
        WHERE r.phone = p AND d.campaign_id = r.campaign_id AND d.recipient_id = r.recipient_id;
        -- A campaign that started after the check above (its snapshot raced this call) keeps the
        -- phone on its unsent rows: the dispatcher needs it to see the opt-out just written and
        -- fail them (131050) instead of sending; a later erase finishes the job once it ended.
        UPDATE campaign_recipients r
        SET phone = 'erased:' || r.recipient_id, name = NULL, params = '[]', contact_id = NULL,
            updated_at = now()
        WHERE r.phone = p
          AND NOT (r.state IN ('pending', 'queued', 'sending', 'uncertain')
                   AND EXISTS (SELECT 1 FROM campaigns k WHERE k.id = r.campaign_id
                               AND k.status IN ('running', 'paused')));
        UPDATE analytics_replies a SET from_phone = 'erased', body = NULL, profile_name = NULL
        WHERE a.from_phone = p;
        erased := erased || p;
        result := 'erased';
        RETURN NEXT;
    END LOOP;
    IF cardinality(erased) > 0 THEN
        UPDATE analytics_recipient_delivery d SET phone = 'erased'
        WHERE d.phone IN (SELECT unnest(erased));
        UPDATE analytics_parked_events e SET phone = NULL WHERE e.phone IN (SELECT unnest(erased));
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION contact_erase(p_phone text) RETURNS text LANGUAGE sql AS $$
    SELECT result FROM contact_erase_many(ARRAY[p_phone])
$$;
