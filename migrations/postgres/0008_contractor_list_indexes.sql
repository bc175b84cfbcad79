-- Indexes the contractors list actually uses, measured at 100,000 rows:
-- - one campaign sorted by status needs an index led by the campaign and ordered like the page;
-- - indexes no query uses cost disk and write time on every row: updated_at and email orders
--   were never queried, (org_id, status, id) is covered by (org_id, status, sort_name, id), and
--   (org_id, ciq_campaign_id, status) by the new index;
-- - "last synced" pages order NULLs first ascending (as SQLite does) and last descending: the
--   indexes say so, or PostgreSQL sorts the whole tab instead of reading the index (28 ms).
DROP INDEX contractors_org_updated;
DROP INDEX contractors_org_email;
DROP INDEX contractors_org_status;
DROP INDEX contractors_org_campaign_status;
CREATE INDEX contractors_org_campaign_status_name
    ON contractors(org_id, ciq_campaign_id, status, sort_name, id);
DROP INDEX contractors_org_status_synced;
CREATE INDEX contractors_org_status_synced
    ON contractors(org_id, status, last_synced_at NULLS FIRST, id);
DROP INDEX contractors_org_synced;
CREATE INDEX contractors_org_synced ON contractors(org_id, last_synced_at NULLS FIRST, id);
