-- A search looks up the organization's campaigns whose name holds the term (issue 25's
-- campaign search). pg_trgm serves `lower(name) LIKE '%term%'` from this index, as
-- contractors_search_trgm does for names and emails; without it each page view scanned every
-- campaign twice (0.7 ms each at 2,000 campaigns). SQLite scans them: its scan of 2,000 short
-- rows costs less than reading an FTS table would.
CREATE INDEX campaigns_name_trgm ON campaigns USING GIN (lower(name) gin_trgm_ops);
