-- A contractor's problem rows (migration 0013) are now written by the store with the row itself,
-- from the failures and warnings the planner decided, instead of by a trigger that read them back
-- out of the row's JSON. Triggers keep counts only (listed in migrations/README.md).
DROP TRIGGER contractors_problems_insert ON contractors;
DROP TRIGGER contractors_problems_update ON contractors;
DROP FUNCTION contractors_problems_follow();

-- A row's status change moves its problem rows to the new status: the counts follow updates too.
CREATE OR REPLACE FUNCTION contractor_problems_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE contractor_problem_counts SET n = n - 1
        WHERE org_id = OLD.org_id AND code = OLD.code AND status = OLD.status
          AND ciq_campaign_id = OLD.ciq_campaign_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO contractor_problem_counts (org_id, code, status, ciq_campaign_id, n)
        VALUES (NEW.org_id, NEW.code, NEW.status, NEW.ciq_campaign_id, 1)
        ON CONFLICT (org_id, code, status, ciq_campaign_id)
        DO UPDATE SET n = contractor_problem_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER contractor_problems_count ON contractor_problems;
CREATE TRIGGER contractor_problems_count AFTER INSERT OR DELETE ON contractor_problems
FOR EACH ROW EXECUTE FUNCTION contractor_problems_count();
CREATE TRIGGER contractor_problems_count_update
AFTER UPDATE OF status, code, org_id, ciq_campaign_id ON contractor_problems FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.code IS DISTINCT FROM NEW.code
      OR OLD.org_id IS DISTINCT FROM NEW.org_id
      OR OLD.ciq_campaign_id IS DISTINCT FROM NEW.ciq_campaign_id)
EXECUTE FUNCTION contractor_problems_count();
