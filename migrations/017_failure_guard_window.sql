-- 017_failure_guard_window.sql - where the failure guard starts counting a campaign's messages.
--
-- Why: migration 016's guard judged a campaign's whole history and tripped once. A surge of
-- failures late in a long campaign (Meta's spam or per-user marketing limits starting to bite,
-- a run of stale numbers at the end of a list) was diluted by every message that had gone well
-- before it, and after a resume nothing watched the campaign any more. The guard now judges
-- the messages settled since a counting point: the campaign's start, each resume, and every
-- failure_guard_window settled messages (plugins/segmenter/failure_guard.c). The point is the
-- analytics counters (analytics_campaign_stats) as they were then, so the guard's judgement
-- is two subtractions, and it survives restarts and works the same from any segmenter.

ALTER TABLE campaigns
    ADD COLUMN failure_guard_from_settled bigint NOT NULL DEFAULT 0,
    ADD COLUMN failure_guard_from_failed bigint NOT NULL DEFAULT 0,
    -- NULL: counting from the campaign's start
    ADD COLUMN failure_guard_from_at timestamptz;

COMMENT ON COLUMN campaigns.failure_guard_tripped_at IS
    'when the failure guard last paused the campaign (017: it may trip again after a resume)';
