-- Sorting the contractors list by status puts the rows that need someone first: needs
-- attention, then could not be read, then synced, not accepted, exempt and removed. The rank is
-- computed from the status by PostgreSQL (a stored generated column), and indexed like the
-- other orders. `migrate-to-postgres` leaves generated columns to PostgreSQL.
ALTER TABLE contractors ADD COLUMN status_rank SMALLINT GENERATED ALWAYS AS (
    CASE status
        WHEN 'needs_attention' THEN 0
        WHEN 'error' THEN 1
        WHEN 'synced' THEN 2
        WHEN 'not_accepted' THEN 3
        WHEN 'exempt' THEN 4
        ELSE 5
    END
) STORED;
CREATE INDEX contractors_org_rank_name ON contractors(org_id, status_rank, sort_name, id);
