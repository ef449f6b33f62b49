-- 011_contact_erase.sql - erase what Herald holds about a person, on their request (GDPR
-- art. 17 and its kin), keeping only what is needed to honour "never message me again".
--
-- Why one function: a person's data sits in tables written by three stages (contacts and lists:
-- segmenter; campaign_recipients: segmenter and dispatcher; delivery rows, replies and parked
-- statuses: analytics). One call in one transaction leaves none of them behind, and
-- herald-ctl and the control API call the same thing (plugins/segmenter/contact_opt.c).
--
-- What it does for one phone (E.164 digits):
--   * refuses while a campaign under way (running or paused) still has an unsent or unsettled
--     message for it: the dispatcher needs the phone to send or resolve it; cancel the campaign
--     or wait for it, then erase;
--   * the contact keeps only its phone, opted out: a suppression entry, so that no later import
--     or audience can reach the person again (imports never clear opted_out). Name, attributes,
--     tags and list memberships go;
--   * campaign recipients: the phone becomes 'erased:<recipient_id>' (unique within the
--     campaign, matches no contact), name and template parameters are cleared, the link to the
--     contact is cut; the delivery rows and parked statuses lose the phone; replies lose the
--     phone, the text and the profile name. Counters and rates stay as they were: they count
--     recipients, not phones;
--   * stamps contacts.erased_at (the proof a compliance team asks for: when it was done);
--   * returns 'erased', or 'not found' when nothing held the phone, or the refusal.
-- Not covered: messages still in Kafka topics (jobs, delivery-events, replies) until their
-- retention expires, and backups (docs/operations-local.md).

ALTER TABLE contacts ADD COLUMN erased_at timestamptz;

CREATE FUNCTION contact_erase(p_phone text) RETURNS text LANGUAGE plpgsql AS $$
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
    UPDATE analytics_recipient_delivery d SET phone = NULL
    FROM campaign_recipients r
    WHERE r.phone = p_phone AND d.campaign_id = r.campaign_id AND d.recipient_id = r.recipient_id;
    UPDATE analytics_recipient_delivery SET phone = NULL WHERE phone = p_phone;
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
