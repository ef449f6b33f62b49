-- 047_analytics_planner.sql - planner settings for the analytics functions.
--
-- Why: the staging tables are temporary and never analysed, so the planner believes a batch
-- holds a handful of wamid-only rows and would join them to the batch's own wamids with a
-- nested loop (quadratic: seconds for a 5000-event batch). Hash joins are right for every
-- batch size; the LATERAL index probes stay nested loops (they cannot be anything else).
-- Disabling a join method inflates cost estimates, and PostgreSQL JIT-compiles any statement
-- estimated above jit_above_cost, again on every execution: ~0.8 s of LLVM work per batch,
-- measured. The fold's statements are short and set-based, so JIT never pays off here: it is
-- off for every entry point (settings of a function hold for the functions it calls).
ALTER FUNCTION analytics_resolve_stage() SET enable_nestloop = off;
ALTER FUNCTION analytics_unpark(boolean) SET enable_nestloop = off;
ALTER FUNCTION analytics_apply_batch(double precision, double precision, double precision, boolean)
    SET jit = off;
ALTER FUNCTION analytics_recalculate(bigint) SET jit = off;
ALTER FUNCTION analytics_handle_recalculate(text, bigint, text, text, integer, bigint)
    SET jit = off;
