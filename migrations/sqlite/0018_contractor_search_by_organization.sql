-- The search index, by organization: each entry's rowid is the organization's id times 2^32
-- plus the contractor's id, so one organization's entries are one contiguous rowid range and a
-- search reads only its own organization's matches (FTS5 seeks to the range), however many
-- rows other organizations hold. Contentless: the text stays in contractors.search_text.
DROP TRIGGER contractors_search_insert;
DROP TRIGGER contractors_search_delete;
DROP TRIGGER contractors_search_update;
DROP TABLE contractor_search;

CREATE VIRTUAL TABLE contractor_search USING fts5(
    search_text,
    content = '',
    tokenize = 'trigram'
);

INSERT INTO contractor_search (rowid, search_text)
SELECT org_id * 4294967296 + id, search_text FROM contractors;

CREATE TRIGGER contractors_search_insert AFTER INSERT ON contractors
BEGIN
    INSERT INTO contractor_search (rowid, search_text)
    VALUES (NEW.org_id * 4294967296 + NEW.id, NEW.search_text);
END;

CREATE TRIGGER contractors_search_delete AFTER DELETE ON contractors
BEGIN
    INSERT INTO contractor_search (contractor_search, rowid, search_text)
    VALUES ('delete', OLD.org_id * 4294967296 + OLD.id, OLD.search_text);
END;

CREATE TRIGGER contractors_search_update AFTER UPDATE OF search_text, org_id ON contractors
WHEN OLD.search_text IS NOT NEW.search_text OR OLD.org_id IS NOT NEW.org_id
BEGIN
    INSERT INTO contractor_search (contractor_search, rowid, search_text)
    VALUES ('delete', OLD.org_id * 4294967296 + OLD.id, OLD.search_text);
    INSERT INTO contractor_search (rowid, search_text)
    VALUES (NEW.org_id * 4294967296 + NEW.id, NEW.search_text);
END;
