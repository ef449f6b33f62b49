-- 055_analytics_attribution_plan.sql - plan the reply attribution afresh on every call.
--
-- Why: the trap of 051 again. PL/pgSQL plans analytics_attribute_replies once per connection
-- and, after five calls, may keep a generic plan; the analytics stage's connection makes it
-- while analytics_replies is still empty, and that plan read the table sequentially (filter
-- "$3 OR wamid IN (staged)" AND attribution = 'pending') on every batch as the table grew: 938
-- sequential scans of analytics_replies in one 100,000-recipient bench run (auto_explain,
-- 2026-11-27), 8.4 ms per call. Turning sequential scans off (051's lever) is not enough here:
-- the generic plan then walked the whole primary key instead, since it still believed the
-- table held one row. A custom plan per call sees p_sweep and the table's current size: the
-- pending rows come from the partial index analytics_replies_pending and the update probes
-- the primary key. A later CREATE OR REPLACE of this function must repeat both SET clauses
-- (enable_bitmapscan from 053, this one).
ALTER FUNCTION analytics_attribute_replies(interval, interval, boolean)
    SET plan_cache_mode = force_custom_plan;
