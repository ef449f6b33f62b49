-- 063_contact_erase_messaging_limit.sql - an erasure reaches the messaging-limit ledger too.
--
-- Why: messaging_limit_contacts (015) holds the phone of everyone a campaign contacted in the
-- last 24 hours. An erased person's row loses the phone but stays until it ages out of the
-- window: Meta still counts the message, and so must the limit, or an erasure would make room
-- for one more person than the portfolio may contact. 062's function is renamed underneath and
-- called as it is; contact_erase_many and contact_erase keep their signatures.

ALTER FUNCTION contact_erase_many(text[]) RENAME TO contact_erase_many_keeping_ledger;

CREATE FUNCTION contact_erase_many(p_phones text[])
RETURNS TABLE (phone text, result text) LANGUAGE sql AS $$
    WITH done AS (SELECT * FROM contact_erase_many_keeping_ledger(p_phones)),
    hidden AS (
        UPDATE messaging_limit_contacts m SET phone = 'erased:' || gen_random_uuid()
        WHERE m.phone IN (SELECT d.phone FROM done d WHERE d.result = 'erased')
        RETURNING 1)
    SELECT d.phone, d.result FROM done d
$$;
