-- 015_messaging_limit.sql - who was contacted in the last 24 hours, for Meta's messaging limit.
--
-- Why: Meta caps the unique people a business portfolio may message outside a customer service
-- window in any moving 24 hours (its messaging limit: 250, 2,000, 10,000, 100,000, unlimited),
-- shared by all its numbers and campaigns, and documents no error code for going over it. A
-- segmenter with `messaging_limit` set emits a recipient only while the people contacted in the
-- last 24 hours leave room, and a person already contacted in that time costs nothing more
-- (plugins/segmenter/messaging_limit.c). One row per person with the time of the last
-- emission: a person is inside the moving window exactly when that time is. Rows are written
-- at emission, before a message may fail (Herald counts on the safe side: Meta counts
-- delivered messages), and rows past the window are deleted by the segmenter. Erasure replaces
-- the phone and keeps the row until it ages out (063), so the count stays right.

CREATE TABLE messaging_limit_contacts (
    phone        text PRIMARY KEY,
    contacted_at timestamptz NOT NULL
);
CREATE INDEX messaging_limit_contacts_at ON messaging_limit_contacts (contacted_at);
