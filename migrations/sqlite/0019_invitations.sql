-- Invitations: an admin invites an email address; the person becomes a member only when they
-- use the one-time link and choose a password. Inviting reserves nothing and says nothing
-- about other organizations: whether the address already signs in elsewhere is known only
-- when the link is used. Only a SHA-256 of the token is stored; a used invitation is deleted.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- Lower-cased, like members.email.
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    UNIQUE (org_id, email)
);
