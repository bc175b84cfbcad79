-- One row per failing rule or warning of each contractor row, kept by a trigger from the row's
-- failures and warnings (whatever writes them), so the contractors list filters by rule and
-- the overview groups problems by rule and campaign from an index instead of reading every
-- row's JSON.
CREATE TABLE contractor_problems (
    contractor_id    BIGINT NOT NULL REFERENCES contractors(id) ON DELETE CASCADE,
    -- A rule code (rules.rs RuleCode) or a warning code (WarningCode).
    code             TEXT   NOT NULL,
    org_id           BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ciq_campaign_id  BIGINT NOT NULL,
    -- The row's status, copied so counts of rows needing attention read this table alone.
    status           TEXT   NOT NULL,
    PRIMARY KEY (contractor_id, code)
);

CREATE INDEX contractor_problems_by_rule
    ON contractor_problems(org_id, code, status, ciq_campaign_id);

INSERT INTO contractor_problems (contractor_id, code, org_id, ciq_campaign_id, status)
SELECT k.id, p.value->>'code', k.org_id, k.ciq_campaign_id, k.status
FROM contractors k, jsonb_array_elements(k.failures || k.warnings) p
WHERE p.value->>'code' IS NOT NULL
ON CONFLICT DO NOTHING;

CREATE FUNCTION contractors_problems_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM contractor_problems WHERE contractor_id = OLD.id;
    END IF;
    INSERT INTO contractor_problems (contractor_id, code, org_id, ciq_campaign_id, status)
    SELECT NEW.id, p.value->>'code', NEW.org_id, NEW.ciq_campaign_id, NEW.status
    FROM jsonb_array_elements(NEW.failures || NEW.warnings) p
    WHERE p.value->>'code' IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contractors_problems_insert AFTER INSERT ON contractors
FOR EACH ROW EXECUTE FUNCTION contractors_problems_follow();

CREATE TRIGGER contractors_problems_update
AFTER UPDATE OF failures, warnings, status, ciq_campaign_id, org_id ON contractors
FOR EACH ROW
WHEN (OLD.failures IS DISTINCT FROM NEW.failures OR OLD.warnings IS DISTINCT FROM NEW.warnings
      OR OLD.status IS DISTINCT FROM NEW.status
      OR OLD.ciq_campaign_id IS DISTINCT FROM NEW.ciq_campaign_id
      OR OLD.org_id IS DISTINCT FROM NEW.org_id)
EXECUTE FUNCTION contractors_problems_follow();
