-- When a sync last saw each contractor row, in a narrow table of its own. An unchanged re-run
-- records that it saw every row; on the contractors table that wrote a new version of each
-- whole row (its JSON, search text and every index entry, the trigram index's included), which
-- was most of a re-run's time and left the table twice its size until vacuumed. Here it
-- rewrites a few numbers. The row's status is repeated so the list's "last synced" order,
-- within a status tab, stays an index range scan; the store writes it with every status change.
CREATE TABLE contractor_seen (
    contractor_id   BIGINT PRIMARY KEY REFERENCES contractors(id) ON DELETE CASCADE,
    org_id          BIGINT NOT NULL,
    status          TEXT   NOT NULL,
    last_synced_at  TIMESTAMPTZ,
    last_run_id     BIGINT
);

INSERT INTO contractor_seen (contractor_id, org_id, status, last_synced_at, last_run_id)
SELECT id, org_id, status, last_synced_at, last_run_id FROM contractors;

DROP INDEX contractors_org_status_synced;
DROP INDEX contractors_org_synced;
CREATE INDEX contractor_seen_org_status_synced
    ON contractor_seen(org_id, status, last_synced_at NULLS FIRST, contractor_id);
CREATE INDEX contractor_seen_org_synced
    ON contractor_seen(org_id, last_synced_at NULLS FIRST, contractor_id);

ALTER TABLE contractors DROP COLUMN last_synced_at;
ALTER TABLE contractors DROP COLUMN last_run_id;

-- A row's CreatorIQ fields (a compact list, read only by the contractor page) are stored as JSON
-- text, as on SQLite: no query looks inside them, and jsonb spent 768 bytes a row on them,
-- twice the text.
ALTER TABLE contractors ALTER COLUMN fields DROP DEFAULT;
ALTER TABLE contractors ALTER COLUMN fields TYPE TEXT USING fields::text;
ALTER TABLE contractors ALTER COLUMN fields SET DEFAULT '[]';
