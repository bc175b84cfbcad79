-- The coverage deadline alert: "Campaign X starts in 5 days and 12 of its creators are not
-- covered". How many days ahead it warns is the organization's setting; a campaign's alert is
-- raised once (a row here) and not again until it has cleared (the row is deleted).
ALTER TABLE alert_settings ADD COLUMN deadline_days BIGINT NOT NULL DEFAULT 5;

CREATE TABLE deadline_alerts (
    org_id           BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ciq_campaign_id  BIGINT NOT NULL,
    raised_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, ciq_campaign_id)
);
