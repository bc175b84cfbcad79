-- PostgreSQL version of migrations/sqlite/0018_contractor_search_by_organization.sql: nothing
-- to change here (the search is a LIKE over the organization's rows, served by the pg_trgm
-- index of migration 0004); the file keeps both backends' migration numbers in step.
SELECT 1;
