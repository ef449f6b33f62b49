-- 063_contact_erase_messaging_limit.sql - an erasure reaches the messaging-limit ledger too.
--
-- Why: messaging_limit_contacts (015) holds the phone of everyone a campaign contacted in the
-- last 24 hours. An erased person's row loses the phone but stays until it ages out of the
-- window: Meta still counts the message, and so must the limit, or an erasure would make room
-- for one more person than the portfolio may contact. The function is 062's, with that one
-- statement added (PostgreSQL replaces a function only whole).

CREATE OR REPLACE FUNCTION contact_erase_many(p_phones text[])
RETURNS TABLE (phone text, result text) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM analytics_lock_campaign(k.campaign_id)
    FROM (SELECT DISTINCT r.campaign_id FROM campaign_recipients r
          WHERE r.phone = ANY (p_phones) ORDER BY 1) k;
    RETURN QUERY
    WITH done AS (SELECT * FROM contact_erase_many_unlocked(p_phones)),
    hidden AS (
        UPDATE messaging_limit_contacts m SET phone = 'erased:' || gen_random_uuid()
        WHERE m.phone IN (SELECT d.phone FROM done d WHERE d.result = 'erased')
        RETURNING 1)
    SELECT d.phone, d.result FROM done d;
END
$$;
