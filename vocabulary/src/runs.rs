//! Sync runs: what started one and how it ended.

words! {
    /// What started a sync run.
    pub enum TriggerKind {
        /// "Sync now" in the dashboard.
        Manual = "manual", "Sync now";
        /// `dashboard sync --org ...`.
        Cli = "cli", "Command line";
        /// A CreatorIQ webhook.
        Webhook = "webhook", "Webhook";
        /// "Re-sync" on one row (or on selected rows).
        Row = "row", "Row re-sync";
        /// A schedule.
        Scheduled = "scheduled", "Scheduled";
    }
}

impl TriggerKind {
    /// Who the audit log names for a run nobody signed in started; `None` when a person did
    /// ("Sync now", a row's "Re-sync").
    pub fn system_actor(self) -> Option<&'static str> {
        match self {
            TriggerKind::Cli => Some("command line"),
            TriggerKind::Webhook => Some("webhook"),
            TriggerKind::Scheduled => Some("schedule"),
            TriggerKind::Manual | TriggerKind::Row => None,
        }
    }
}

words! {
    /// How a campaign's last read from CreatorIQ went.
    pub enum CampaignState {
        /// Read and written.
        Ok = "ok", "Synced";
        /// The last fetch failed; its rows keep their data.
        Error = "error", "Could not be read";
        /// Gone from CreatorIQ's campaign list.
        Removed = "removed", "Removed";
    }
}

words! {
    /// Where a sync run is.
    pub enum RunState {
        Running = "running", "Running";
        /// Every campaign was read and written.
        Succeeded = "succeeded", "Succeeded";
        /// Some campaigns or rows failed; the rest was written.
        Partial = "partial", "Partly failed";
        /// Nothing could be synced (key refused, CreatorIQ unreachable, interrupted).
        Failed = "failed", "Failed";
    }
}
