-- 040_analytics_tables.sql - where the analytics stage keeps what it has learnt.
--
-- Why these tables: delivery statuses and replies arrive at least once and in any order, so the
-- stage keeps one row of per-recipient state (a lattice: every timestamp only moves earlier and
-- read implies delivered implies sent implies accepted) and derives the per-campaign numbers from
-- the *changes* of those rows. Counters, the per-minute series and the failure breakdown are
-- therefore always exactly the aggregate of analytics_recipient_delivery, which is what
-- analytics_recalculate() rebuilds them from.

-- One row per campaign recipient that any event has touched. Timestamps are the earliest ever
-- seen for that step (order-independent); a step implied by a later one takes that one's time
-- until its own event arrives. failed_at/error_* is a separate terminal flag: the earliest
-- failure wins (ties broken by code, then title) so any order of events gives the same row.
CREATE TABLE analytics_recipient_delivery (
    campaign_id   bigint NOT NULL,
    recipient_id  bigint NOT NULL,
    wamid         text,
    phone         text,
    accepted_at   timestamptz,
    sent_at       timestamptz,
    delivered_at  timestamptz,
    read_at       timestamptz,
    failed_at     timestamptz,
    error_code    integer,
    error_title   text,
    replied_at    timestamptz,   -- earliest reply attributed to this recipient's message
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- The row as it was before the fold's last change (NULL/false right after an insert).
    -- Written by analytics_fold_stage() so that RETURNING yields old and new state together
    -- and the counter deltas need no second lookup. Not meaningful to readers.
    prev_seen          boolean NOT NULL DEFAULT false,
    prev_accepted_at   timestamptz,
    prev_sent_at       timestamptz,
    prev_delivered_at  timestamptz,
    prev_read_at       timestamptz,
    prev_failed_at     timestamptz,
    prev_error_code    integer,
    prev_replied_at    timestamptz,
    PRIMARY KEY (campaign_id, recipient_id)
) WITH (fillfactor = 80); -- room for HOT updates: the timestamps are not indexed
CREATE INDEX analytics_recipient_delivery_wamid ON analytics_recipient_delivery (wamid)
    WHERE wamid IS NOT NULL;

-- Per-campaign counters, maintained incrementally from recipient state transitions.
-- Each counts recipients, never events: `replied` is recipients who replied.
CREATE TABLE analytics_campaign_stats (
    campaign_id        bigint PRIMARY KEY,
    recipients         bigint NOT NULL DEFAULT 0, -- recipients with any state
    settled            bigint NOT NULL DEFAULT 0, -- accepted or failed: no longer pending
    accepted           bigint NOT NULL DEFAULT 0,
    sent               bigint NOT NULL DEFAULT 0,
    delivered          bigint NOT NULL DEFAULT 0,
    read               bigint NOT NULL DEFAULT 0,
    failed             bigint NOT NULL DEFAULT 0,
    replied            bigint NOT NULL DEFAULT 0,
    first_accepted_at  timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Recipients reaching each step in each minute (by the step's timestamp). When a step's time
-- moves earlier the recipient moves from one minute to the other, so sums stay exact.
CREATE TABLE analytics_campaign_minute (
    campaign_id  bigint NOT NULL,
    minute       timestamptz NOT NULL,
    accepted     bigint NOT NULL DEFAULT 0,
    sent         bigint NOT NULL DEFAULT 0,
    delivered    bigint NOT NULL DEFAULT 0,
    read         bigint NOT NULL DEFAULT 0,
    failed       bigint NOT NULL DEFAULT 0,
    replied      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, minute)
);

-- Failed recipients by error code (0 = the failure carried no code).
CREATE TABLE analytics_campaign_failures (
    campaign_id  bigint NOT NULL,
    error_code   integer NOT NULL,
    error_title  text,
    recipients   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, error_code)
);

-- Statuses whose wamid could not yet be tied to a campaign recipient (the webhook beat the
-- dispatcher's bookkeeping). Stored in lattice form; applied and deleted once the wamid is known.
CREATE TABLE analytics_parked_events (
    id            bigserial PRIMARY KEY,
    wamid         text NOT NULL,
    campaign_id   bigint,
    phone         text,
    accepted_ms   bigint,
    sent_ms       bigint,
    delivered_ms  bigint,
    read_ms       bigint,
    failed_ms     bigint,
    error_code    integer,
    error_title   text,
    parked_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analytics_parked_events_wamid ON analytics_parked_events (wamid);

-- Every inbound message, once (by its wamid), with the campaign it was attributed to.
-- attribution: pending (context.id not known yet: parked), context, window, none.
CREATE TABLE analytics_replies (
    wamid          text PRIMARY KEY,
    from_phone     text NOT NULL,
    received_at    timestamptz NOT NULL,
    type           text,
    body           text,
    context_id     text,
    profile_name   text,
    campaign_id    bigint,
    recipient_id   bigint,
    attribution    text NOT NULL DEFAULT 'pending'
                   CHECK (attribution IN ('pending', 'context', 'window', 'none')),
    stored_at      timestamptz NOT NULL DEFAULT now(),
    attributed_at  timestamptz
);
CREATE INDEX analytics_replies_campaign ON analytics_replies (campaign_id, received_at)
    WHERE campaign_id IS NOT NULL;
CREATE INDEX analytics_replies_pending ON analytics_replies (stored_at)
    WHERE attribution = 'pending';
