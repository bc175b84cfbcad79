-- Sessions that end with their member, and member ids that are never handed out twice.
--
-- `members` is rebuilt with AUTOINCREMENT. Migrations run in a transaction with foreign keys
-- on, where dropping the old table deletes its rows first and so cascades to sign_in_links:
-- those are set aside and put back.
CREATE TEMP TABLE sign_in_links_kept AS SELECT * FROM sign_in_links;

-- AUTOINCREMENT: a removed member's id is never given to the next member created, in any
-- organization (a plain INTEGER PRIMARY KEY reuses the highest id once it is deleted).
-- session_key: random per member, kept in each of their sessions and checked on every request,
-- so a session can only ever be the member it was signed in as.
CREATE TABLE members_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- Stored lower-cased; sign-in is by email alone, so it is unique across organizations.
    email               TEXT    NOT NULL UNIQUE,
    password_hash       TEXT    NOT NULL,
    role                TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_at          TEXT    NOT NULL,
    session_generation  INTEGER NOT NULL DEFAULT 0,
    session_key         TEXT    NOT NULL
);

INSERT INTO members_new
    (id, org_id, email, password_hash, role, created_at, session_generation, session_key)
SELECT id, org_id, email, password_hash, role, created_at, session_generation,
       lower(hex(randomblob(16)))
FROM members;

DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
CREATE INDEX members_org ON members(org_id);

INSERT INTO sign_in_links SELECT * FROM sign_in_links_kept;
DROP TABLE sign_in_links_kept;

-- The dashboard's sessions, in our own table so that each is tied to its member: removing a
-- member deletes their sessions in the same transaction. The table the session library kept
-- before goes (members sign in again once).
DROP TABLE IF EXISTS sessions;
CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    -- NULL before sign-in.
    member_id   INTEGER REFERENCES members(id) ON DELETE CASCADE,
    -- The session's values, JSON.
    data        TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
CREATE INDEX sessions_member ON sessions(member_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
