-- The application a creator completes through their link, and what their cover is estimated to
-- cost.
--
-- A synced row's estimate, from the rating table at its last sync (NULL for other rows): the
-- coverage types its link sells (those of the organization's required types that can be sold
-- for the creator, as CoverageTypes' stored form), the premium per type and the platform fee,
-- in whole cents.
ALTER TABLE contractors ADD COLUMN coverage_types TEXT;
ALTER TABLE contractors ADD COLUMN premium_general_cents INTEGER;
ALTER TABLE contractors ADD COLUMN premium_workers_comp_cents INTEGER;
ALTER TABLE contractors ADD COLUMN platform_fee_cents INTEGER;

-- One application per link, made when the creator first acts on a step. `step` is
-- vocabulary/src/application.rs' ApplicationStep: the step reached, or how it ended. The
-- answers, the quote shown (JSON) and the signature are kept as given; `draft` (JSON) holds what
-- was typed at a step the server refused, with `problem` saying why, so nothing typed is lost.
CREATE TABLE applications (
    id                  INTEGER PRIMARY KEY,
    org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    contractor_id       INTEGER NOT NULL REFERENCES contractors(id) ON DELETE CASCADE,
    link_id             INTEGER NOT NULL UNIQUE REFERENCES application_links(id) ON DELETE CASCADE,
    step                TEXT   NOT NULL,
    recent_claims       BOOLEAN,
    refused_policy      BOOLEAN,
    employs_others      BOOLEAN,
    quote               TEXT,
    signed_name         TEXT,
    signed_at           TEXT,
    signed_address      TEXT,
    signed_user_agent   TEXT,
    signed_text_sha256  TEXT,
    draft               TEXT,
    problem             TEXT,
    submitted_at        TEXT,
    decided_at          TEXT,
    decided_by          TEXT,
    decline_reason      TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE INDEX applications_org_step ON applications(org_id, step);
CREATE INDEX applications_row ON applications(contractor_id, id);

-- The step of the link's application (NULL: not started), written with the application: the
-- contractors list shows and filters each row's application from its links alone.
ALTER TABLE application_links ADD COLUMN application_step TEXT;
