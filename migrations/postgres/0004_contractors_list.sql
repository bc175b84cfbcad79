-- The contractors list: every status tab and sort order reads its page straight off an index,
-- so a page costs the same at row 50 and at row 100,000. Each index leads with org_id (every
-- query is scoped by organization) and ends with id, the tie-breaker of every order.
--
-- PostgreSQL sorts NULLs last in ascending order (SQLite sorts them first); these indexes use
-- the default NULL placement, so they serve a plain ORDER BY ... ASC/DESC in either direction.
CREATE INDEX contractors_org_status_name ON contractors(org_id, status, sort_name, id);
CREATE INDEX contractors_org_status_campaign ON contractors(org_id, status, ciq_campaign_id, sort_name, id);
CREATE INDEX contractors_org_status_synced ON contractors(org_id, status, last_synced_at, id);
CREATE INDEX contractors_org_campaign_name ON contractors(org_id, ciq_campaign_id, sort_name, id);
CREATE INDEX contractors_org_synced ON contractors(org_id, last_synced_at, id);

-- PostgreSQL only: substring search (`search_text LIKE '%term%'`) cannot use a B-tree, so a
-- trigram GIN index serves it. It is the one index that does not lead with org_id (a GIN
-- trigram index cannot hold a plain integer column without btree_gin); the planner combines
-- it with the org_id indexes above or filters the matches by organization. A term shorter than
-- three characters gives the index nothing to narrow by; such searches use the org_id indexes.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX contractors_search_trgm ON contractors USING GIN (search_text gin_trgm_ops);
