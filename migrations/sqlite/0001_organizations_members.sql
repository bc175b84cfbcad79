-- Tenants and the people who sign in to them.
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE members (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- Stored lower-cased; sign-in is by email alone, so it is unique across organizations.
    email          TEXT    NOT NULL UNIQUE,
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_at     TEXT    NOT NULL
);

CREATE INDEX members_org ON members(org_id);
