-- Invoices: what completed applications are billed under.
--
-- An organization's invoice collects the lines of one purchase order (PO #) and calendar month
-- (`month`, YYYY-MM, of the cover's issue), addressed to the PO contact; lines of creators who
-- pay their own premium carry the platform fee only, and without a PO # go on the
-- organization's invoice of the month without one. A creator who pays their own premium gets
-- an invoice of their own for it. Its number is made from the month and the id
-- (INV-202612-000007).
CREATE TABLE invoices (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    payer          TEXT NOT NULL,
    po_number      TEXT,
    month          TEXT NOT NULL,
    bill_to_name   TEXT NOT NULL,
    bill_to_email  TEXT NOT NULL,
    state          TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    sent_at        TEXT,
    sent_to        TEXT,
    paid_at        TEXT,
    paid_by        TEXT
);

CREATE INDEX invoices_org_state ON invoices(org_id, state, id);
-- An open invoice is found by its purchase order and month when a line joins it.
CREATE INDEX invoices_collecting ON invoices(org_id, payer, month, po_number);

-- One line per cover and payer: the premium and the fee that payer owes for it. A line of an
-- Agency Pay cover without a PO # has no invoice yet ("needs PO #") and joins one once
-- CreatorIQ has the PO #. A cancelled cover's lines are voided, and count for nothing.
CREATE TABLE invoice_lines (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    cover_id       INTEGER NOT NULL REFERENCES covers(id) ON DELETE CASCADE,
    invoice_id     INTEGER REFERENCES invoices(id) ON DELETE SET NULL,
    payer          TEXT NOT NULL,
    month          TEXT NOT NULL,
    creator        TEXT NOT NULL,
    campaign       TEXT NOT NULL,
    coverage       TEXT NOT NULL,
    premium_cents  INTEGER NOT NULL,
    fee_cents      INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    voided_at      TEXT,
    UNIQUE (cover_id, payer)
);

CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id);
CREATE INDEX invoice_lines_waiting ON invoice_lines(org_id, invoice_id);
