-- A contractor's problem rows (migration 0013) are now written by the store with the row itself,
-- from the failures and warnings the planner decided, instead of by triggers that read them back
-- out of the row's JSON. Triggers keep counts only (listed in migrations/README.md).
DROP TRIGGER contractors_problems_insert;
DROP TRIGGER contractors_problems_update;
DROP TRIGGER contractors_problems_delete;

-- The delete trigger becomes a foreign key: a contractor's problem rows go with it. SQLite
-- cannot add one to a table, so the table is rebuilt (its count triggers with it).
CREATE TABLE contractor_problems_new (
    contractor_id    INTEGER NOT NULL REFERENCES contractors(id) ON DELETE CASCADE,
    -- A rule code (RuleCode) or a warning code (WarningCode), vocabulary/src/problems.rs.
    code             TEXT    NOT NULL,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ciq_campaign_id  INTEGER NOT NULL,
    -- The row's status, copied by the store so counts of rows needing attention read this
    -- table alone.
    status           TEXT    NOT NULL,
    PRIMARY KEY (contractor_id, code)
) WITHOUT ROWID;

INSERT INTO contractor_problems_new (contractor_id, code, org_id, ciq_campaign_id, status)
SELECT contractor_id, code, org_id, ciq_campaign_id, status FROM contractor_problems;

DROP TABLE contractor_problems;
ALTER TABLE contractor_problems_new RENAME TO contractor_problems;

CREATE INDEX contractor_problems_by_rule
    ON contractor_problems(org_id, code, status, ciq_campaign_id);

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

-- A row's status change moves its problem rows to the new status.
CREATE TRIGGER contractor_problems_count_update
AFTER UPDATE OF status, code, org_id, ciq_campaign_id ON contractor_problems
WHEN OLD.status IS NOT NEW.status OR OLD.code IS NOT NEW.code OR OLD.org_id IS NOT NEW.org_id
    OR OLD.ciq_campaign_id IS NOT NEW.ciq_campaign_id
BEGIN
    UPDATE contractor_problem_counts SET n = n - 1
    WHERE org_id = OLD.org_id AND code = OLD.code AND status = OLD.status
      AND ciq_campaign_id = OLD.ciq_campaign_id;
    INSERT INTO contractor_problem_counts (org_id, code, status, ciq_campaign_id, n)
    VALUES (NEW.org_id, NEW.code, NEW.status, NEW.ciq_campaign_id, 1)
    ON CONFLICT (org_id, code, status, ciq_campaign_id) DO UPDATE SET n = n + 1;
END;
