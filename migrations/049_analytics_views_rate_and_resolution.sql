-- 049_analytics_views_rate_and_resolution.sql - two read-interface fixes (same columns).
--
-- Why: (1) campaign_progress.rate_per_second divided the acceptances of the current and the
-- previous minute by the whole window (60-120 s) even when the campaign had started seconds
-- ago, so a young campaign showed a fraction of its real rate (and an ETA far too long). The
-- window now starts at the first acceptance when that is later.
-- (2) Meta's status timestamps are whole seconds (floored), the dispatcher's acceptance time
-- has milliseconds. Subtracting the two made every sub-second delay negative and clamped to 0,
-- so p50/p90 time to delivered/read read 0 in the demo. Both ends are now compared at the
-- resolution of the coarser one (whole seconds): a value is "n whole-second boundaries
-- later", honest to +-1 s, never biased to 0. See docs/analytics.md.

CREATE OR REPLACE VIEW campaign_progress AS
SELECT c.id AS campaign_id,
       c.status,
       coalesce(c.audience_size, s.recipients, 0)::bigint AS audience_size,
       greatest(coalesce(c.audience_size, s.recipients, 0) - coalesce(s.settled, 0), 0)::bigint
           AS pending,
       coalesce(s.accepted, 0)::bigint AS accepted,
       coalesce(s.sent, 0)::bigint AS sent,
       coalesce(s.delivered, 0)::bigint AS delivered,
       coalesce(s.read, 0)::bigint AS read,
       coalesce(s.failed, 0)::bigint AS failed,
       coalesce(s.replied, 0)::bigint AS replied,
       r.rate_per_second,
       CASE WHEN c.status = 'running' AND r.rate_per_second > 0
            THEN greatest(coalesce(c.audience_size, s.recipients, 0) - coalesce(s.settled, 0), 0)
                 / r.rate_per_second
       END AS eta_seconds,
       coalesce(c.started_at, s.first_accepted_at) AS started_at,
       c.completed_at,
       greatest(c.updated_at, s.updated_at) AS updated_at
FROM campaigns c
LEFT JOIN analytics_campaign_stats s ON s.campaign_id = c.id
CROSS JOIN LATERAL (
    -- The window starts at the previous minute's bucket, or at the first acceptance when the
    -- campaign is younger than that (dividing by the whole window undercounted a young one).
    SELECT (coalesce(sum(m.accepted), 0)
            / greatest(extract(epoch FROM now() - greatest(min(w.since), s.first_accepted_at)),
                       1))::double precision
               AS rate_per_second
    FROM (SELECT date_trunc('minute', now()) - interval '1 minute' AS since) w
    LEFT JOIN analytics_campaign_minute m ON m.campaign_id = c.id AND m.minute >= w.since
) r;

CREATE OR REPLACE VIEW campaign_analytics AS
SELECT p.campaign_id, p.status, p.audience_size,
       q.queued, p.pending, p.accepted, p.sent, p.delivered, p.read, p.failed, p.replied,
       coalesce(rm.reply_messages, 0)::bigint AS reply_messages,
       p.delivered::double precision / nullif(p.accepted, 0) AS delivery_rate,
       p.read::double precision / nullif(p.delivered, 0) AS read_rate,
       p.replied::double precision / nullif(p.delivered, 0) AS reply_rate,
       p.failed::double precision / nullif(s.settled, 0) AS failure_rate,
       t.p50_seconds_to_delivered, t.p90_seconds_to_delivered,
       t.p50_seconds_to_read, t.p90_seconds_to_read,
       p.rate_per_second, p.eta_seconds,
       p.started_at, p.completed_at,
       extract(epoch FROM coalesce(p.completed_at, now()) - p.started_at)::double precision
           AS duration_seconds,
       t.first_accepted_at AS sending_started_at,
       CASE WHEN p.pending = 0 THEN t.last_settled_at END AS sending_finished_at,
       CASE WHEN p.pending = 0
            THEN extract(epoch FROM t.last_settled_at - t.first_accepted_at)::double precision
       END AS sending_duration_seconds,
       p.updated_at
FROM campaign_progress p
LEFT JOIN analytics_campaign_stats s ON s.campaign_id = p.campaign_id
CROSS JOIN LATERAL (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM
               date_trunc('second', d.delivered_at) - date_trunc('second', d.accepted_at))))
               FILTER (WHERE d.delivered_at IS NOT NULL AND d.accepted_at IS NOT NULL)
               AS p50_seconds_to_delivered,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM
               date_trunc('second', d.delivered_at) - date_trunc('second', d.accepted_at))))
               FILTER (WHERE d.delivered_at IS NOT NULL AND d.accepted_at IS NOT NULL)
               AS p90_seconds_to_delivered,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM
               date_trunc('second', d.read_at) - date_trunc('second', d.accepted_at))))
               FILTER (WHERE d.read_at IS NOT NULL AND d.accepted_at IS NOT NULL)
               AS p50_seconds_to_read,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM
               date_trunc('second', d.read_at) - date_trunc('second', d.accepted_at))))
               FILTER (WHERE d.read_at IS NOT NULL AND d.accepted_at IS NOT NULL)
               AS p90_seconds_to_read,
           min(d.accepted_at) AS first_accepted_at,
           max(coalesce(d.accepted_at, d.failed_at)) AS last_settled_at
    FROM analytics_recipient_delivery d
    WHERE d.campaign_id = p.campaign_id
) t
CROSS JOIN LATERAL (
    SELECT count(*) AS queued FROM campaign_recipients cr
    WHERE cr.campaign_id = p.campaign_id AND cr.state IN ('queued', 'sending')
) q
CROSS JOIN LATERAL (
    SELECT count(*) AS reply_messages FROM analytics_replies ar
    WHERE ar.campaign_id = p.campaign_id
) rm;
