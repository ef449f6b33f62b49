-- 014_template_components.sql - a campaign template's header and buttons.
--
-- Why: marketing templates carry more than body text: a header image, video or document (the
-- same file for everyone), a text header, and buttons whose URL suffix, coupon code or
-- quick-reply payload differ per recipient. The definition's template.header and
-- template.buttons are validated by plugins/segmenter/template_components.c and stored here
-- as one value ({"header"?, "buttons"?}; NULL = none). The per-recipient values are rendered
-- at the audience snapshot after the body's parameters, into campaign_recipients.params, and
-- every job names the header and buttons (docs/architecture.md, `jobs`).

ALTER TABLE campaigns ADD COLUMN template_components jsonb;
