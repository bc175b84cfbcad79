-- Failure alerts: where an organization's alerts go, and which alert conditions are raised.

-- Recipients: a comma-separated list of email addresses, and/or a Slack-compatible webhook
-- URL, sealed with the master key (such URLs carry their own secret); only its scheme and
-- host are kept readable, for the Settings page.
CREATE TABLE alert_settings (
    org_id                 BIGINT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    emails                 TEXT,
    webhook_url_encrypted  BYTEA,
    webhook_url_shown      TEXT,
    updated_at             TIMESTAMPTZ NOT NULL
);

-- One row per organization and condition ('run_failed', 'key_refused', 'attention_rising'):
-- an alert is sent when a condition becomes active, and not again until it has cleared.
-- baseline: the needs-attention count before it rose; last_value: the count after the last run.
CREATE TABLE alert_conditions (
    org_id      BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    condition   TEXT    NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT false,
    baseline    BIGINT  NOT NULL DEFAULT 0,
    last_value  BIGINT  NOT NULL DEFAULT 0,
    changed_at  TIMESTAMPTZ,
    PRIMARY KEY (org_id, condition)
);
