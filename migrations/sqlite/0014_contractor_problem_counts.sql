-- Rows per organization, problem, status and campaign, kept by triggers from
-- contractor_problems (migration 0013), so the overview's "what to fix" and the counts under a
-- rule filter read a few rows instead of one per problem (21 ms at 100,000 rows before).
CREATE TABLE contractor_problem_counts (
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    code             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    ciq_campaign_id  INTEGER NOT NULL,
    n                INTEGER NOT NULL,
    PRIMARY KEY (org_id, code, status, ciq_campaign_id)
) WITHOUT ROWID;

INSERT INTO contractor_problem_counts (org_id, code, status, ciq_campaign_id, n)
SELECT org_id, code, status, ciq_campaign_id, COUNT(*) FROM contractor_problems
GROUP BY org_id, code, status, ciq_campaign_id;

CREATE TRIGGER contractor_problems_count_insert AFTER INSERT ON contractor_problems
BEGIN
    INSERT INTO contractor_problem_counts (org_id, code, status, ciq_campaign_id, n)
    VALUES (NEW.org_id, NEW.code, NEW.status, NEW.ciq_campaign_id, 1)
    ON CONFLICT (org_id, code, status, ciq_campaign_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER contractor_problems_count_delete AFTER DELETE ON contractor_problems
BEGIN
    UPDATE contractor_problem_counts SET n = n - 1
    WHERE org_id = OLD.org_id AND code = OLD.code AND status = OLD.status
      AND ciq_campaign_id = OLD.ciq_campaign_id;
END;
