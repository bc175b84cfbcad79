-- Substring search of the contractors list (name or email, any part, any case) through an FTS5
-- trigram index over contractors.search_text, kept by triggers. A search of three characters or
-- more reads the index instead of scanning every row; shorter ones still scan.
CREATE VIRTUAL TABLE contractor_search USING fts5(
    search_text,
    content = 'contractors',
    content_rowid = 'id',
    tokenize = 'trigram'
);

INSERT INTO contractor_search (contractor_search) VALUES ('rebuild');

CREATE TRIGGER contractors_search_insert AFTER INSERT ON contractors
BEGIN
    INSERT INTO contractor_search (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END;

CREATE TRIGGER contractors_search_delete AFTER DELETE ON contractors
BEGIN
    INSERT INTO contractor_search (contractor_search, rowid, search_text)
    VALUES ('delete', OLD.id, OLD.search_text);
END;

CREATE TRIGGER contractors_search_update AFTER UPDATE OF search_text ON contractors
WHEN OLD.search_text IS NOT NEW.search_text
BEGIN
    INSERT INTO contractor_search (contractor_search, rowid, search_text)
    VALUES ('delete', OLD.id, OLD.search_text);
    INSERT INTO contractor_search (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END;
