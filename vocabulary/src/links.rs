//! Application links: where a link is in the creator's application, and why it stopped being
//! a row's current link.

words! {
    /// Where a link is in the creator's application.
    pub enum LinkState {
        /// Issued, not opened yet.
        Active = "active", "Not opened yet";
        /// The creator opened the page.
        Opened = "opened", "Opened";
        /// The creator submitted the application.
        Submitted = "submitted", "Submitted";
        /// No longer usable (replaced, or the row stopped being valid).
        Expired = "expired", "Expired";
    }
}

words! {
    /// Why a link stopped being a row's current link.
    pub enum RetireReason {
        /// Work state, coverage window, coverage types or base pay changed.
        CoverageChanged = "coverage_changed", "coverage changed";
        /// An operator asked for a new link.
        Regenerated = "regenerated", "regenerated";
        /// The creator is no longer on the campaign in CreatorIQ.
        Removed = "removed", "removed";
        /// The row no longer passes validation.
        NeedsAttention = "needs_attention", "needs attention";
        /// The creator became Insurance Exempt.
        Exempt = "exempt", "exempt";
        /// The creator is no longer Accepted on the campaign.
        NotAccepted = "not_accepted", "not accepted";
    }
}

words! {
    /// Why a link was issued.
    pub enum LinkOrigin {
        /// A sync found the row valid.
        Sync = "sync", "Sync";
        /// An operator replaced the previous link.
        Regenerated = "regenerated", "Regenerated";
    }
}
