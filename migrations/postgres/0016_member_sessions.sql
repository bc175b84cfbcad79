-- PostgreSQL version of migrations/sqlite/0016_member_sessions.sql. Identity ids are never
-- handed out twice already; what is new is the member's session key and the sessions table.

-- Random per member, kept in each of their sessions and checked on every request, so a
-- session can only ever be the member it was signed in as.
ALTER TABLE members ADD COLUMN session_key TEXT NOT NULL
    DEFAULT replace(gen_random_uuid()::text, '-', '');
ALTER TABLE members ALTER COLUMN session_key DROP DEFAULT;

-- The dashboard's sessions, tied to their member: removing a member deletes their sessions in
-- the same transaction. The session library's own schema goes (members sign in again once).
DROP SCHEMA IF EXISTS tower_sessions CASCADE;
CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    -- NULL before sign-in.
    member_id   BIGINT  REFERENCES members(id) ON DELETE CASCADE,
    -- The session's values, JSON.
    data        TEXT    NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_member ON sessions(member_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
