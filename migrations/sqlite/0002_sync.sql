-- The sync pipeline: CreatorIQ settings, campaigns, contractor rows, application links, sync runs
-- and the per-organization sync lease. Every table carries org_id and every index leads with it,
-- because every query is scoped by organization.
--
-- Timestamps are RFC 3339 text (UTC), dates are YYYY-MM-DD text, money is integer cents.

-- One CreatorIQ connection per organization.
CREATE TABLE ciq_settings (
    org_id             INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    base_url           TEXT    NOT NULL,
    -- nonce || ciphertext of the API key under the server's master key (AEAD, org id as AAD).
    api_key_encrypted  BLOB,
    api_key_last4      TEXT,
    -- Comma-separated, sorted: 'general', 'workers-comp' or 'general,workers-comp'.
    coverage_types     TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);

-- The campaigns seen in CreatorIQ, with the outcome of their last fetch.
CREATE TABLE campaigns (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ciq_campaign_id  INTEGER NOT NULL,
    name             TEXT,
    description      TEXT,
    start_date       TEXT,
    end_date         TEXT,
    -- 'ok' (last fetch succeeded), 'error' (last fetch failed, rows kept), 'removed' (gone from
    -- CreatorIQ's campaign list).
    sync_state       TEXT    NOT NULL CHECK (sync_state IN ('ok', 'error', 'removed')),
    last_error_code  TEXT,
    last_error       TEXT,
    last_synced_at   TEXT,
    last_attempt_at  TEXT    NOT NULL,
    UNIQUE (org_id, ciq_campaign_id)
);

-- Sync runs: one execution of the pipeline for an organization (or one row).
CREATE TABLE sync_runs (
    id                     INTEGER PRIMARY KEY,
    org_id                 INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    trigger_kind           TEXT    NOT NULL
        CHECK (trigger_kind IN ('manual', 'cli', 'webhook', 'row', 'scheduled')),
    triggered_by           TEXT,
    -- NULL for a whole-organization run; the contractor row id for a single-row re-sync.
    contractor_id          INTEGER,
    state                  TEXT    NOT NULL
        CHECK (state IN ('running', 'succeeded', 'partial', 'failed')),
    started_at             TEXT    NOT NULL,
    finished_at            TEXT,
    -- Live progress, updated after each campaign.
    campaigns_total        INTEGER NOT NULL DEFAULT 0,
    campaigns_done         INTEGER NOT NULL DEFAULT 0,
    campaigns_failed       INTEGER NOT NULL DEFAULT 0,
    creators_done          INTEGER NOT NULL DEFAULT 0,
    -- Outcome counts per contractor status.
    count_synced           INTEGER NOT NULL DEFAULT 0,
    count_needs_attention  INTEGER NOT NULL DEFAULT 0,
    count_exempt           INTEGER NOT NULL DEFAULT 0,
    count_not_accepted     INTEGER NOT NULL DEFAULT 0,
    count_error            INTEGER NOT NULL DEFAULT 0,
    count_removed          INTEGER NOT NULL DEFAULT 0,
    rows_changed           INTEGER NOT NULL DEFAULT 0,
    links_issued           INTEGER NOT NULL DEFAULT 0,
    links_expired          INTEGER NOT NULL DEFAULT 0,
    ciq_requests           INTEGER NOT NULL DEFAULT 0,
    ciq_retries            INTEGER NOT NULL DEFAULT 0,
    -- Run-level failure (the campaign list could not be read, the key was refused...).
    error                  TEXT,
    -- JSON array of {"ciq_campaign_id", "ciq_publisher_id", "code", "message"}.
    errors                 TEXT    NOT NULL DEFAULT '[]'
);

CREATE INDEX sync_runs_org_recent ON sync_runs(org_id, id DESC);
CREATE INDEX sync_runs_org_state ON sync_runs(org_id, state);

-- One creator on one campaign: the unit that is synced, validated and given a link.
CREATE TABLE contractors (
    id                    INTEGER PRIMARY KEY,
    org_id                INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ciq_campaign_id       INTEGER NOT NULL,
    ciq_publisher_id      INTEGER NOT NULL,
    status                TEXT    NOT NULL CHECK (status IN
        ('synced', 'needs_attention', 'exempt', 'not_accepted', 'error', 'removed')),
    creator_name          TEXT,
    -- Normalised when valid, otherwise as CreatorIQ sent it.
    email                 TEXT,
    -- Lower-cased "name email" for search.
    search_text           TEXT    NOT NULL DEFAULT '',
    -- Lower-cased name for sorting by name.
    sort_name             TEXT    NOT NULL DEFAULT '',
    ciq_status            TEXT,
    work_state            TEXT,
    home_state            TEXT,
    base_pay_cents        INTEGER,
    payment_amount_cents  INTEGER,
    agency_pay            BOOLEAN,
    coverage_start        TEXT,
    coverage_end          TEXT,
    -- JSON: failing rules, warnings and the mapped-field table of the contractor page.
    failures              TEXT    NOT NULL DEFAULT '[]',
    warnings              TEXT    NOT NULL DEFAULT '[]',
    fields                TEXT    NOT NULL DEFAULT '[]',
    -- Set while status is 'error': why CreatorIQ could not be read for this row.
    error_code            TEXT,
    error_message         TEXT,
    -- SHA-256 over everything above that comes from CreatorIQ: unchanged hash, unchanged row.
    content_hash          TEXT    NOT NULL,
    first_seen_at         TEXT    NOT NULL,
    -- Last time the row's content or status changed.
    updated_at            TEXT    NOT NULL,
    -- Last time a run read this row from CreatorIQ successfully.
    last_synced_at        TEXT,
    last_run_id           INTEGER,
    UNIQUE (org_id, ciq_campaign_id, ciq_publisher_id)
);

-- Dashboard list: filter by status and/or campaign, sort, paginate by keyset, count per status.
CREATE INDEX contractors_org_status ON contractors(org_id, status, id);
CREATE INDEX contractors_org_campaign_status ON contractors(org_id, ciq_campaign_id, status);
CREATE INDEX contractors_org_name ON contractors(org_id, sort_name, id);
CREATE INDEX contractors_org_updated ON contractors(org_id, updated_at, id);
CREATE INDEX contractors_org_email ON contractors(org_id, email);
-- Webhooks name a creator: find their rows on every campaign.
CREATE INDEX contractors_org_publisher ON contractors(org_id, ciq_publisher_id);

-- Per-row history: one event whenever a run changes a row's status or content.
CREATE TABLE contractor_events (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    contractor_id   INTEGER NOT NULL REFERENCES contractors(id) ON DELETE CASCADE,
    run_id          INTEGER REFERENCES sync_runs(id) ON DELETE SET NULL,
    at              TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    previous_status TEXT,
    -- Short text for the history list, e.g. "needs_attention: missing_email".
    summary         TEXT    NOT NULL
);

CREATE INDEX contractor_events_row ON contractor_events(org_id, contractor_id, id DESC);

-- Application links. A row has at most one current link (retired_at IS NULL); replaced and
-- expired links stay for the link history.
CREATE TABLE application_links (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    contractor_id  INTEGER NOT NULL REFERENCES contractors(id) ON DELETE CASCADE,
    -- 256 random bits, URL-safe base64. Kept (not hashed) so operators can copy the link again.
    token          TEXT    NOT NULL UNIQUE,
    state          TEXT    NOT NULL CHECK (state IN ('active', 'opened', 'submitted', 'expired')),
    -- The coverage fingerprint the link was issued for (work state, window, types, base pay).
    fingerprint    TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    created_run_id INTEGER,
    -- 'sync' or 'regenerated'.
    created_reason TEXT    NOT NULL,
    opened_at      TEXT,
    submitted_at   TEXT,
    expired_at     TEXT,
    -- When it stopped being the row's current link, and why ('coverage_changed', 'regenerated',
    -- 'removed', 'needs_attention', 'exempt', 'not_accepted').
    retired_at     TEXT,
    retired_reason TEXT
);

CREATE UNIQUE INDEX application_links_current ON application_links(contractor_id)
    WHERE retired_at IS NULL;
CREATE INDEX application_links_row ON application_links(org_id, contractor_id, id DESC);

-- One sync per organization at a time, across every server instance: a lease with an expiry
-- that the running instance renews after each campaign.
CREATE TABLE sync_leases (
    org_id      INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    run_id      INTEGER NOT NULL,
    holder      TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
