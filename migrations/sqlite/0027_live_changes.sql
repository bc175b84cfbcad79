-- Open pages follow their organization's changes. On PostgreSQL, triggers notify every
-- instance (its migration 0027); SQLite is one process, whose connections report their commits
-- through SQLite's update and commit hooks (store/live.rs). Nothing to store: this migration
-- keeps the two backends' numbering in step.
SELECT 1;
