-- 016_failure_guard.sql - when the segmenter's failure guard paused a campaign.
--
-- Why: a campaign whose messages mostly fail (a stale list full of numbers not on WhatsApp,
-- parameters that do not fit the template) hurts the business number's quality rating with
-- every further send, and Meta lowers the limits of a number rated low. With
-- pause_above_failure_rate set (or the campaign's own max_failure_rate), the segmenter pauses a
-- running campaign once enough of its
-- messages settled and too many of them failed (plugins/segmenter/failure_guard.c, from the
-- analytics counters). It trips once per campaign: a campaign somebody resumed after looking
-- is theirs to watch, so this records that it happened.

ALTER TABLE campaigns ADD COLUMN failure_guard_tripped_at timestamptz;

-- A campaign's own threshold (its definition's max_failure_rate), over the segmenter's
-- pause_above_failure_rate; NULL: the segmenter's.
ALTER TABLE campaigns ADD COLUMN max_failure_rate double precision
    CHECK (max_failure_rate > 0 AND max_failure_rate < 1);
