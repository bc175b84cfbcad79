-- Reaching the creator. The outbox of messages to creators (application links and reminders). A message is decided
-- (queued) where the row changes; any instance's worker claims due ones (claimed_by,
-- claimed_until), sends, and records the result. A claim that outlives its worker is taken
-- over, so a crash between send and record repeats at most that one message. dedupe_key names
-- what the message is for (a link, a channel, which one of its sequence): the same message is
-- never queued twice.
CREATE TABLE outreach_messages (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    contractor_id  INTEGER NOT NULL REFERENCES contractors(id) ON DELETE CASCADE,
    link_id        INTEGER NOT NULL REFERENCES application_links(id) ON DELETE CASCADE,
    -- vocabulary/src/outreach.rs: Channel, MessageKind, MessageState, StopReason.
    channel        TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    dedupe_key     TEXT    NOT NULL UNIQUE,
    state          TEXT    NOT NULL,
    due_at         TEXT    NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_by     TEXT,
    claimed_until  TEXT,
    sent_at        TEXT,
    -- Why the last attempt failed, in operator words (a retry keeps it until it succeeds).
    failure        TEXT,
    stop_reason    TEXT,
    -- Who asked for it: a member's email, or NULL when the product decided it.
    requested_by   TEXT,
    created_at     TEXT    NOT NULL
);

CREATE INDEX outreach_messages_due ON outreach_messages(state, due_at);
CREATE INDEX outreach_messages_row ON outreach_messages(org_id, contractor_id, id);

-- What an organization sends and how: the channels (NULL until chosen: email when the server
-- has a mail relay, otherwise CreatorIQ messages), automatic sending, the reminder cadence, the
-- sender name and reply-to, and its own wording (NULL: the product's default templates).
CREATE TABLE outreach_settings (
    org_id            INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    channels          TEXT,
    auto_send         INTEGER NOT NULL DEFAULT 0,
    cadence           TEXT,
    sender_name       TEXT,
    reply_to          TEXT,
    first_subject     TEXT,
    first_body        TEXT,
    reminder_subject  TEXT,
    reminder_body     TEXT,
    updated_at        TEXT NOT NULL
);
