//! A contractor row's status (PRODUCT.md section 6) and the list's orders.

words! {
    /// Where a contractor row stands.
    pub enum ContractorStatus {
        /// Passes every rule; has an application link.
        Synced = "synced", "Synced";
        /// Breaks one or more rules; an operator fixes it in CreatorIQ.
        NeedsAttention = "needs_attention", "Needs attention";
        /// Insurance Exempt in CreatorIQ.
        Exempt = "exempt", "Exempt";
        /// Not (or no longer) Accepted on the campaign.
        NotAccepted = "not_accepted", "Not accepted";
        /// CreatorIQ could not be read for it.
        Error = "error", "Error";
        /// Gone from CreatorIQ (the campaign or the creator was removed).
        Removed = "removed", "Removed";
    }
}

words! {
    /// How the contractors list is ordered. Every order ends with the row id so pages never
    /// overlap.
    #[derive(Default)]
    pub enum ContractorSort {
        /// Creator name, then id.
        #[default]
        Name = "name", "Name";
        /// CreatorIQ campaign id (rows of a campaign stay together), then name.
        Campaign = "campaign", "Campaign";
        /// Status, problems first (needs attention, could not be read, synced, not accepted,
        /// exempt, removed), then name.
        Status = "status", "Status";
        /// Last successful read from CreatorIQ, never-synced rows first.
        LastSynced = "last_synced", "Last synced";
    }
}

/// Row counts per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusCounts {
    pub synced: u64,
    pub needs_attention: u64,
    pub exempt: u64,
    pub not_accepted: u64,
    pub error: u64,
    pub removed: u64,
}

impl StatusCounts {
    fn slot(&mut self, status: ContractorStatus) -> &mut u64 {
        match status {
            ContractorStatus::Synced => &mut self.synced,
            ContractorStatus::NeedsAttention => &mut self.needs_attention,
            ContractorStatus::Exempt => &mut self.exempt,
            ContractorStatus::NotAccepted => &mut self.not_accepted,
            ContractorStatus::Error => &mut self.error,
            ContractorStatus::Removed => &mut self.removed,
        }
    }

    pub fn add(&mut self, status: ContractorStatus, n: u64) {
        *self.slot(status) += n;
    }

    pub fn get(&self, status: ContractorStatus) -> u64 {
        let mut copy = *self;
        *copy.slot(status)
    }

    pub fn merge(&mut self, other: &StatusCounts) {
        for status in ContractorStatus::ALL {
            self.add(status, other.get(status));
        }
    }

    pub fn total(&self) -> u64 {
        ContractorStatus::ALL.iter().map(|s| self.get(*s)).sum()
    }

    /// `(status, count)` in [`ContractorStatus::ALL`] order.
    pub fn entries(&self) -> [(ContractorStatus, u64); 6] {
        ContractorStatus::ALL.map(|s| (s, self.get(s)))
    }
}
