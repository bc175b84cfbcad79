-- Rows per organization, campaign and status, kept by triggers on every write to contractors
-- (whatever writes it), so the contractors page's tab counts and totals read a few rows
-- instead of counting 100,000. Counts with a search still count the matching rows.
CREATE TABLE contractor_counts (
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ciq_campaign_id  INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    n                INTEGER NOT NULL,
    PRIMARY KEY (org_id, ciq_campaign_id, status)
) WITHOUT ROWID;

INSERT INTO contractor_counts (org_id, ciq_campaign_id, status, n)
SELECT org_id, ciq_campaign_id, status, COUNT(*) FROM contractors
GROUP BY org_id, ciq_campaign_id, status;

CREATE TRIGGER contractors_count_insert AFTER INSERT ON contractors
BEGIN
    INSERT INTO contractor_counts (org_id, ciq_campaign_id, status, n)
    VALUES (NEW.org_id, NEW.ciq_campaign_id, NEW.status, 1)
    ON CONFLICT (org_id, ciq_campaign_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER contractors_count_delete AFTER DELETE ON contractors
BEGIN
    UPDATE contractor_counts SET n = n - 1
    WHERE org_id = OLD.org_id AND ciq_campaign_id = OLD.ciq_campaign_id AND status = OLD.status;
END;

CREATE TRIGGER contractors_count_update AFTER UPDATE OF status, ciq_campaign_id, org_id
ON contractors
WHEN OLD.status IS NOT NEW.status OR OLD.ciq_campaign_id IS NOT NEW.ciq_campaign_id
    OR OLD.org_id IS NOT NEW.org_id
BEGIN
    UPDATE contractor_counts SET n = n - 1
    WHERE org_id = OLD.org_id AND ciq_campaign_id = OLD.ciq_campaign_id AND status = OLD.status;
    INSERT INTO contractor_counts (org_id, ciq_campaign_id, status, n)
    VALUES (NEW.org_id, NEW.ciq_campaign_id, NEW.status, 1)
    ON CONFLICT (org_id, ciq_campaign_id, status) DO UPDATE SET n = n + 1;
END;
