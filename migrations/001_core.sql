-- 001_core.sql - the tables every stage shares: contacts, lists, campaigns, their audience
-- snapshot and the outcome of every command. Plugins add their own tables in their own
-- numbered files (010-019 segmenter, 020-029 dispatcher, 030-039 gateway, 040-049 analytics).
-- Applied once by `herald-stage --migrate`, recorded in herald_schema_migrations.

-- Phones are E.164 digits without '+', exactly as WhatsApp's wa_id spells them.
CREATE TABLE contacts (
    id            bigserial PRIMARY KEY,
    phone         text NOT NULL UNIQUE CHECK (phone ~ '^[1-9][0-9]{7,14}$'),
    name          text,
    attributes    jsonb NOT NULL DEFAULT '{}'::jsonb,
    tags          text[] NOT NULL DEFAULT '{}',
    opted_out     boolean NOT NULL DEFAULT false,
    opted_out_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_attributes_gin ON contacts USING gin (attributes jsonb_path_ops);
CREATE INDEX contacts_tags_gin ON contacts USING gin (tags);

CREATE TABLE contact_lists (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contact_list_members (
    list_id     bigint NOT NULL REFERENCES contact_lists (id) ON DELETE CASCADE,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX contact_list_members_contact ON contact_list_members (contact_id);

-- Campaign ids are allocated by the producer of the `create` command (herald-ctl, the control
-- API) with nextval('campaign_ids') so that the command can be keyed by campaign id.
CREATE SEQUENCE campaign_ids;

CREATE TABLE campaigns (
    id                    bigint PRIMARY KEY DEFAULT nextval('campaign_ids'),
    name                  text NOT NULL,
    phone_number_id       text NOT NULL,
    template_name         text NOT NULL,
    template_language     text NOT NULL DEFAULT 'en',
    -- {{1}}..{{n}} of the template body, each a contact field: "name", "phone",
    -- "attributes.<key>" or a literal "=text". Example: ["name", "attributes.discount"].
    template_params       jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- {"include_lists":[..ids..], "exclude_lists":[..], "rules": {...}} (see docs/segments.md)
    audience              jsonb NOT NULL DEFAULT '{}'::jsonb,
    rate_limit_per_second double precision CHECK (rate_limit_per_second IS NULL OR rate_limit_per_second > 0),
    status                text NOT NULL DEFAULT 'draft'
                          CHECK (status IN ('draft', 'scheduled', 'running', 'paused',
                                            'completed', 'cancelled', 'failed')),
    status_reason         text,
    scheduled_at          timestamptz,
    duplicated_from       bigint REFERENCES campaigns (id),
    audience_size         integer,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    scheduled_set_at      timestamptz,
    started_at            timestamptz,
    paused_at             timestamptz,
    resumed_at            timestamptz,
    completed_at          timestamptz,
    cancelled_at          timestamptz,
    failed_at             timestamptz
);
CREATE INDEX campaigns_due ON campaigns (scheduled_at) WHERE status = 'scheduled';

-- The audience snapshot, taken when the campaign starts. recipient_id is 1..audience_size in
-- emission order. `state` is the dispatch state: the segmenter writes pending/queued, the
-- dispatcher claims (sending) and resolves (accepted, failed, uncertain).
CREATE TABLE campaign_recipients (
    campaign_id   bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    recipient_id  bigint NOT NULL,
    contact_id    bigint,
    phone         text NOT NULL,
    name          text,
    params        jsonb NOT NULL DEFAULT '[]'::jsonb, -- rendered template parameters
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'queued', 'sending', 'accepted', 'failed',
                                   'uncertain')),
    attempts      integer NOT NULL DEFAULT 0,
    claimed_at    timestamptz,
    claimed_by    text,
    wamid         text,
    accepted_at   timestamptz,
    error_code    integer,
    error_title   text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, recipient_id),
    UNIQUE (campaign_id, phone)
);
CREATE INDEX campaign_recipients_wamid ON campaign_recipients (wamid) WHERE wamid IS NOT NULL;
CREATE INDEX campaign_recipients_phone ON campaign_recipients (phone, accepted_at);
CREATE INDEX campaign_recipients_open ON campaign_recipients (campaign_id, recipient_id)
    WHERE state IN ('pending', 'queued', 'sending');

-- Outcome of every command on campaign-commands, by command id: a producer that posted a
-- command polls this to learn "accepted" or "rejected: <reason>". Written by the stage that
-- handles the command type (segmenter; analytics for `recalculate`).
CREATE TABLE command_results (
    command_id    text PRIMARY KEY,
    campaign_id   bigint,
    type          text,
    outcome       text NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    reason        text,
    payload       text,          -- the command as received (for rejected ones: what was wrong)
    handled_by    text NOT NULL, -- stage name
    kafka_partition integer,
    kafka_offset  bigint,
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX command_results_campaign ON command_results (campaign_id, received_at);
