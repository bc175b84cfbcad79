//! Cover once an application is complete: the policies issued, and how a row stands.

words! {
    /// Where one policy stands. Scheduled, active and expired follow the calendar; only
    /// cancelled is stored.
    pub enum PolicyStatus {
        /// Issued; its window has not started.
        Scheduled = "scheduled", "Scheduled";
        /// Today is inside its window.
        Active = "active", "Active";
        /// Its window has ended.
        Expired = "expired", "Expired";
        /// Cancelled by an admin before its window started.
        Cancelled = "cancelled", "Cancelled";
    }
}

words! {
    /// A row's cover as the contractors list shows and filters it.
    pub enum CoverState {
        /// Nothing issued (or only what was cancelled and nothing since).
        NotCovered = "not_covered", "Not covered";
        /// Issued; the window starts later.
        Scheduled = "scheduled", "Scheduled";
        /// Covered today.
        Covered = "covered", "Covered";
        /// CreatorIQ moved the campaign's dates after the policy was issued: some days of the
        /// row's window are not covered.
        Gap = "gap", "Coverage gap";
        /// The window has ended.
        Expired = "expired", "Expired";
        /// Cancelled before the start.
        Cancelled = "cancelled", "Cancelled";
    }
}

words! {
    /// Where an invoice stands.
    pub enum InvoiceState {
        /// Collecting lines this month; not sent yet.
        Open = "open", "Open";
        /// Emailed to whom it is addressed; waiting for payment.
        Sent = "sent", "Sent";
        /// Payment recorded by the insurer's staff.
        Paid = "paid", "Paid";
        /// Every line on it was voided (its cover was cancelled).
        Void = "void", "Void";
    }
}

words! {
    /// Who an invoice (or a line) bills.
    pub enum Payer {
        /// The organization (the agency): premiums under Agency Pay, and every platform fee.
        Organization = "organization", "Organization";
        /// The creator: their premium when they pay it themselves.
        Creator = "creator", "Creator";
    }
}
