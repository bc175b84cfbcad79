-- Automatic sync: CreatorIQ webhook deliveries and the scheduled reconciliation.

-- The organization's public id in its webhook callback URL (/webhooks/creatoriq/{webhook_id}):
-- random, so the URL names no database id and cannot be guessed.
ALTER TABLE organizations ADD COLUMN webhook_id TEXT;
UPDATE organizations SET webhook_id = lower(hex(randomblob(16))) WHERE webhook_id IS NULL;
CREATE UNIQUE INDEX organizations_webhook_id ON organizations(webhook_id);

-- Scheduled full sync: every sync_interval_minutes (NULL: off); next_scheduled_at is claimed
-- atomically by the instance that starts the run.
ALTER TABLE ciq_settings ADD COLUMN sync_interval_minutes INTEGER DEFAULT 360;
ALTER TABLE ciq_settings ADD COLUMN next_scheduled_at TEXT;

-- Campaigns a scheduled run did not re-read because their end date had passed.
ALTER TABLE sync_runs ADD COLUMN campaigns_ended INTEGER NOT NULL DEFAULT 0;

-- Every webhook delivery that named a known organization, accepted or not. Accepted ones
-- (verification = 'verified') are queued and processed exactly once: a worker claims a batch
-- (claimed_by, claimed_until) and a claim that outlives its worker is taken over.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    received_at      TEXT    NOT NULL,
    -- CreatorIQ's requestId, when the body had one.
    request_id       TEXT,
    entity_type      TEXT,
    action_type      TEXT,
    entity_id        INTEGER,
    ciq_campaign_id  INTEGER,
    ciq_publisher_id INTEGER,
    -- 'verified', or why it was rejected: 'bad_signature', 'unsigned', 'stale', 'replayed',
    -- 'malformed', 'oversized'.
    verification     TEXT    NOT NULL,
    -- 'queued', 'processing', 'done', 'ignored', 'failed' (gave up), 'rejected'.
    state            TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    claimed_by       TEXT,
    claimed_until    TEXT,
    processed_at     TEXT,
    run_id           INTEGER,
    rows_changed     INTEGER,
    -- What processing did or why it failed, in words.
    detail           TEXT,
    -- The verified envelope (for reprocessing); never kept for rejected deliveries.
    body             TEXT
);

CREATE INDEX webhook_deliveries_org_recent ON webhook_deliveries(org_id, id DESC);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
-- A requestId is accepted once per organization; a second delivery of it is a replay.
CREATE UNIQUE INDEX webhook_deliveries_request ON webhook_deliveries(org_id, request_id)
    WHERE verification = 'verified';
