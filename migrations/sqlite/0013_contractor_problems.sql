-- One row per failing rule or warning of each contractor row, kept by triggers from the row's
-- failures and warnings (whatever writes them), so the contractors list filters by rule and
-- the overview groups problems by rule and campaign from an index instead of reading every
-- row's JSON.
CREATE TABLE contractor_problems (
    contractor_id    INTEGER NOT NULL,
    -- A rule code (rules.rs RuleCode) or a warning code (WarningCode).
    code             TEXT    NOT NULL,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ciq_campaign_id  INTEGER NOT NULL,
    -- The row's status, copied so counts of rows needing attention read this table alone.
    status           TEXT    NOT NULL,
    PRIMARY KEY (contractor_id, code)
) WITHOUT ROWID;

CREATE INDEX contractor_problems_by_rule
    ON contractor_problems(org_id, code, status, ciq_campaign_id);

INSERT OR IGNORE INTO contractor_problems (contractor_id, code, org_id, ciq_campaign_id, status)
SELECT k.id, json_extract(p.value, '$.code'), k.org_id, k.ciq_campaign_id, k.status
FROM contractors k, json_each(k.failures) p
WHERE json_extract(p.value, '$.code') IS NOT NULL
UNION ALL
SELECT k.id, json_extract(p.value, '$.code'), k.org_id, k.ciq_campaign_id, k.status
FROM contractors k, json_each(k.warnings) p
WHERE json_extract(p.value, '$.code') IS NOT NULL;

CREATE TRIGGER contractors_problems_insert AFTER INSERT ON contractors
BEGIN
    INSERT OR IGNORE INTO contractor_problems
        (contractor_id, code, org_id, ciq_campaign_id, status)
    SELECT NEW.id, json_extract(p.value, '$.code'), NEW.org_id, NEW.ciq_campaign_id, NEW.status
    FROM json_each(NEW.failures) p WHERE json_extract(p.value, '$.code') IS NOT NULL
    UNION ALL
    SELECT NEW.id, json_extract(p.value, '$.code'), NEW.org_id, NEW.ciq_campaign_id, NEW.status
    FROM json_each(NEW.warnings) p WHERE json_extract(p.value, '$.code') IS NOT NULL;
END;

CREATE TRIGGER contractors_problems_update
AFTER UPDATE OF failures, warnings, status, ciq_campaign_id, org_id ON contractors
WHEN OLD.failures IS NOT NEW.failures OR OLD.warnings IS NOT NEW.warnings
    OR OLD.status IS NOT NEW.status OR OLD.ciq_campaign_id IS NOT NEW.ciq_campaign_id
    OR OLD.org_id IS NOT NEW.org_id
BEGIN
    DELETE FROM contractor_problems WHERE contractor_id = OLD.id;
    INSERT OR IGNORE INTO contractor_problems
        (contractor_id, code, org_id, ciq_campaign_id, status)
    SELECT NEW.id, json_extract(p.value, '$.code'), NEW.org_id, NEW.ciq_campaign_id, NEW.status
    FROM json_each(NEW.failures) p WHERE json_extract(p.value, '$.code') IS NOT NULL
    UNION ALL
    SELECT NEW.id, json_extract(p.value, '$.code'), NEW.org_id, NEW.ciq_campaign_id, NEW.status
    FROM json_each(NEW.warnings) p WHERE json_extract(p.value, '$.code') IS NOT NULL;
END;

CREATE TRIGGER contractors_problems_delete AFTER DELETE ON contractors
BEGIN
    DELETE FROM contractor_problems WHERE contractor_id = OLD.id;
END;
