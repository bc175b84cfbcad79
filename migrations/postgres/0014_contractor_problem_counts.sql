-- Rows per organization, problem, status and campaign, kept by a trigger from
-- contractor_problems (migration 0013), so the overview's "what to fix" and the counts under a
-- rule filter read a few rows instead of one per problem (23 ms at 100,000 rows before).
CREATE TABLE contractor_problem_counts (
    org_id           BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    code             TEXT   NOT NULL,
    status           TEXT   NOT NULL,
    ciq_campaign_id  BIGINT NOT NULL,
    n                BIGINT NOT NULL,
    PRIMARY KEY (org_id, code, status, ciq_campaign_id)
);

INSERT INTO contractor_problem_counts (org_id, code, status, ciq_campaign_id, n)
SELECT org_id, code, status, ciq_campaign_id, COUNT(*) FROM contractor_problems
GROUP BY org_id, code, status, ciq_campaign_id;

CREATE FUNCTION contractor_problems_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE contractor_problem_counts SET n = n - 1
        WHERE org_id = OLD.org_id AND code = OLD.code AND status = OLD.status
          AND ciq_campaign_id = OLD.ciq_campaign_id;
    ELSE
        INSERT INTO contractor_problem_counts (org_id, code, status, ciq_campaign_id, n)
        VALUES (NEW.org_id, NEW.code, NEW.status, NEW.ciq_campaign_id, 1)
        ON CONFLICT (org_id, code, status, ciq_campaign_id)
        DO UPDATE SET n = contractor_problem_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contractor_problems_count AFTER INSERT OR DELETE ON contractor_problems
FOR EACH ROW EXECUTE FUNCTION contractor_problems_count();
