-- Rows per organization, campaign and status, kept by triggers on every write to contractors
-- (whatever writes it), so the contractors page's tab counts and totals read a few rows
-- instead of counting 100,000. Counts with a search still count the matching rows.
CREATE TABLE contractor_counts (
    org_id           BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ciq_campaign_id  BIGINT NOT NULL,
    status           TEXT   NOT NULL,
    n                BIGINT NOT NULL,
    PRIMARY KEY (org_id, ciq_campaign_id, status)
);

INSERT INTO contractor_counts (org_id, ciq_campaign_id, status, n)
SELECT org_id, ciq_campaign_id, status, COUNT(*) FROM contractors
GROUP BY org_id, ciq_campaign_id, status;

CREATE FUNCTION contractors_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE contractor_counts SET n = n - 1
        WHERE org_id = OLD.org_id AND ciq_campaign_id = OLD.ciq_campaign_id
          AND status = OLD.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO contractor_counts (org_id, ciq_campaign_id, status, n)
        VALUES (NEW.org_id, NEW.ciq_campaign_id, NEW.status, 1)
        ON CONFLICT (org_id, ciq_campaign_id, status)
        DO UPDATE SET n = contractor_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contractors_count_insert_delete AFTER INSERT OR DELETE ON contractors
FOR EACH ROW EXECUTE FUNCTION contractors_count();

CREATE TRIGGER contractors_count_update AFTER UPDATE OF status, ciq_campaign_id, org_id
ON contractors FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status
      OR OLD.ciq_campaign_id IS DISTINCT FROM NEW.ciq_campaign_id
      OR OLD.org_id IS DISTINCT FROM NEW.org_id)
EXECUTE FUNCTION contractors_count();
