//! What an open page is told changed, so it can read its data again.

words! {
    /// A kind of data pages show, named in the change events sent to open pages.
    pub enum LiveTopic {
        /// Rows, their links, applications, messages and cover.
        Contractors = "contractors", "Contractors";
        /// Sync runs and their progress.
        Runs = "runs", "Sync runs";
        /// Webhook deliveries.
        Webhooks = "webhooks", "Webhooks";
        /// Invoices and their lines.
        Invoices = "invoices", "Invoices";
    }
}

impl LiveTopic {
    /// The tables pages follow live, each with its topic (PostgreSQL's triggers, migration
    /// 0027, name the same tables).
    pub const TABLES: [(&'static str, LiveTopic); 9] = [
        ("contractors", LiveTopic::Contractors),
        ("application_links", LiveTopic::Contractors),
        ("applications", LiveTopic::Contractors),
        ("outreach_messages", LiveTopic::Contractors),
        ("covers", LiveTopic::Contractors),
        ("sync_runs", LiveTopic::Runs),
        ("webhook_deliveries", LiveTopic::Webhooks),
        ("invoices", LiveTopic::Invoices),
        ("invoice_lines", LiveTopic::Invoices),
    ];

    /// The topic a table's changes belong to; `None` for tables no page follows live.
    pub fn of_table(table: &str) -> Option<LiveTopic> {
        Self::TABLES
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, topic)| *topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_has_a_table_and_round_trips() {
        for t in LiveTopic::ALL {
            assert_eq!(LiveTopic::parse(t.as_str()), Some(t));
        }
        assert_eq!(
            LiveTopic::of_table("application_links"),
            Some(LiveTopic::Contractors)
        );
        assert_eq!(LiveTopic::of_table("sessions"), None);
    }
}
