-- Cover: what a completed application buys, and the purchase order it is billed under.
--
-- The purchase order of a synced row, as CreatorIQ holds it (CustomField3/4/5), written by the
-- one write path with the rest of the row's content: invoices are addressed from it.
ALTER TABLE contractors ADD COLUMN po_number TEXT;
ALTER TABLE contractors ADD COLUMN po_contact_email TEXT;
ALTER TABLE contractors ADD COLUMN po_contact_name TEXT;

-- One cover per completed application: the creator on the campaign, insured for the window,
-- as it stood when issued (insured, window, who pays, the fee, the purchase order). Only
-- cancellation changes it afterwards; scheduled, active and expired follow the calendar.
CREATE TABLE covers (
    id                 INTEGER PRIMARY KEY,
    org_id             INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    contractor_id      INTEGER NOT NULL REFERENCES contractors(id) ON DELETE CASCADE,
    application_id     INTEGER NOT NULL UNIQUE REFERENCES applications(id) ON DELETE CASCADE,
    insured_name       TEXT NOT NULL,
    insured_email      TEXT NOT NULL,
    work_state         TEXT NOT NULL,
    ciq_campaign_id    INTEGER NOT NULL,
    campaign_name      TEXT NOT NULL,
    starts_on          TEXT NOT NULL,
    ends_on            TEXT NOT NULL,
    agency_pays        BOOLEAN NOT NULL,
    platform_fee_cents INTEGER NOT NULL,
    po_number          TEXT,
    po_contact_email   TEXT,
    po_contact_name    TEXT,
    example_rates      BOOLEAN NOT NULL,
    issued_at          TEXT NOT NULL,
    cancelled_at       TEXT,
    cancelled_by       TEXT,
    cancel_reason      TEXT
);

CREATE INDEX covers_org_campaign ON covers(org_id, ciq_campaign_id);
CREATE INDEX covers_row ON covers(contractor_id);
-- Repeat creators are matched by email (1099Policy's rule).
CREATE INDEX covers_insured ON covers(org_id, insured_email);

-- One policy per coverage type of a cover, with the premium and the limits (JSON: label and
-- value, as the rating table stated them at issue). The policy number is made from the id.
CREATE TABLE policies (
    id             INTEGER PRIMARY KEY,
    cover_id       INTEGER NOT NULL REFERENCES covers(id) ON DELETE CASCADE,
    coverage       TEXT NOT NULL,
    premium_cents  INTEGER NOT NULL,
    limits         TEXT NOT NULL,
    UNIQUE (cover_id, coverage)
);

-- The cover a row has: the one issued for it, or a repeat creator's cover of another row that
-- already covers it. Copied from the cover when it is issued or cancelled, so the contractors
-- list shows and filters each row's cover from the row alone.
ALTER TABLE contractors ADD COLUMN cover_id INTEGER REFERENCES covers(id) ON DELETE SET NULL;
ALTER TABLE contractors ADD COLUMN covered_from TEXT;
ALTER TABLE contractors ADD COLUMN covered_to TEXT;
ALTER TABLE contractors ADD COLUMN cover_cancelled BOOLEAN NOT NULL DEFAULT FALSE;
-- The policy numbers when the cover is another row's (a repeat creator: matched by email, the
-- same work state, every coverage type and the whole window); NULL for the row's own.
ALTER TABLE contractors ADD COLUMN covered_by_policy TEXT;
