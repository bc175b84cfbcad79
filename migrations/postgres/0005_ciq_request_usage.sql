-- CreatorIQ requests per API key per UTC day (CreatorIQ allows 100,000 per key per day), counted
-- by every server instance in one place. The key is named by a keyed hash
-- (MasterKey::api_key_fingerprint), never stored; two organizations that share a key share its
-- budget, exactly as CreatorIQ counts it, so this table is keyed by key, not by organization.
--
-- `day` is a DATE here (YYYY-MM-DD text in SQLite), so it is bound as a date, not as text.
CREATE TABLE ciq_request_usage (
    key_fingerprint  TEXT    NOT NULL,
    day              DATE    NOT NULL,   -- the UTC calendar day
    requests         BIGINT  NOT NULL,
    PRIMARY KEY (key_fingerprint, day)
);
