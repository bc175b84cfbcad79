-- Open pages follow their organization's changes: each statement that writes a followed table
-- notifies `dashboard_changes` with "<org id>:<topic>" once per organization it touched.
-- PostgreSQL sends notifications at commit (never for a rollback) to every listening
-- connection, folding identical ones within a transaction, so one sync batch of a thousand
-- rows is one notification, and every server instance hears it.
CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    org BIGINT;
BEGIN
    FOR org IN SELECT DISTINCT org_id FROM changed_rows LOOP
        PERFORM pg_notify('dashboard_changes', org || ':' || TG_ARGV[0]);
    END LOOP;
    RETURN NULL;
END
$$;

-- One trigger per table and event: a trigger with a transition table names one event.
DO $$
DECLARE
    t RECORD;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('contractors', 'contractors'),
        ('application_links', 'contractors'),
        ('applications', 'contractors'),
        ('outreach_messages', 'contractors'),
        ('covers', 'contractors'),
        ('sync_runs', 'runs'),
        ('webhook_deliveries', 'webhooks'),
        ('invoices', 'invoices'),
        ('invoice_lines', 'invoices')
    ) AS f(tbl, topic) LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION notify_change(%L)',
            t.tbl || '_inserted', t.tbl, t.topic);
        EXECUTE format(
            'CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION notify_change(%L)',
            t.tbl || '_updated', t.tbl, t.topic);
        EXECUTE format(
            'CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION notify_change(%L)',
            t.tbl || '_deleted', t.tbl, t.topic);
    END LOOP;
END
$$;
