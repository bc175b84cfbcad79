-- Members managed by their organization's admins, one-time sign-in links, and the audit log.

-- Raised whenever the member's password changes: a session remembers the generation it was
-- signed in under and is refused once the member's has moved on.
ALTER TABLE members ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;

-- One-time links that let a member choose a password (a new member's first, or a reset an
-- admin issued). Only a SHA-256 of the token is stored; the link is shown once, to the admin.
CREATE TABLE sign_in_links (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);

CREATE INDEX sign_in_links_member ON sign_in_links(member_id);

-- Who did what and when, per organization. Append-only: rows are never changed or removed
-- (the triggers below refuse it). actor_id is not a foreign key so a removed member's actions
-- stay attributed; actor keeps the email (or 'schedule', 'webhook', 'command line') as it was.
CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY,
    org_id    INTEGER NOT NULL REFERENCES organizations(id),
    at        TEXT    NOT NULL,
    actor_id  INTEGER,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    subject   TEXT,
    detail    TEXT
);

CREATE INDEX audit_events_org ON audit_events(org_id, id);
CREATE INDEX audit_events_org_action ON audit_events(org_id, action, id);
CREATE INDEX audit_events_org_actor ON audit_events(org_id, actor_id, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
