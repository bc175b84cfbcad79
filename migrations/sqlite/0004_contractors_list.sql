-- The contractors list: every status tab and sort order reads its page straight off an index,
-- so a page costs the same at row 50 and at row 100,000. Each index leads with org_id (every
-- query is scoped by organization) and ends with id, the tie-breaker of every order.
CREATE INDEX contractors_org_status_name ON contractors(org_id, status, sort_name, id);
CREATE INDEX contractors_org_status_campaign ON contractors(org_id, status, ciq_campaign_id, sort_name, id);
CREATE INDEX contractors_org_status_synced ON contractors(org_id, status, last_synced_at, id);
CREATE INDEX contractors_org_campaign_name ON contractors(org_id, ciq_campaign_id, sort_name, id);
CREATE INDEX contractors_org_synced ON contractors(org_id, last_synced_at, id);
