-- When the creator used the "stop reminders" link of a message about this link (NULL: never).
-- A new link for the row starts its own sequence.
ALTER TABLE application_links ADD COLUMN reminders_stopped_at TIMESTAMPTZ;

-- The messages of a link, for the worker's "first sent" and "reminders sent" questions.
CREATE INDEX outreach_messages_link ON outreach_messages(link_id, channel, kind, state);
