-- Failed sign-ins, for throttling repeated guesses. Kept in the database (not in memory) so the
-- limit holds across server instances and restarts. `subject` is a SHA-256 of what is being
-- throttled ("email:<normalised email>" or "ip:<address>"), so typed emails, which sometimes
-- are passwords typed into the wrong box, are never stored as written.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    subject     TEXT    NOT NULL,
    -- Unix time in milliseconds: compared as numbers in the throttle's time-window queries.
    failed_at   INTEGER NOT NULL
);

CREATE INDEX login_failures_subject ON login_failures(subject, failed_at);
