//! Every word the product uses, defined once: the ids, and each closed set of words with its
//! stored form (database, URLs, JSON) and its label (screens, CSV, emails). The server parses
//! words at the edge (a URL, a form, a database row) and passes the enums around; SQL binds
//! `.as_str()`. Adding a status is one change in one file here.
//!
//! Serde only, so the same types compile into the server and the browser bundle.

#[macro_use]
mod macros;

mod access;
mod application;
mod contractors;
mod cover;
mod deliveries;
mod links;
mod live;
mod outreach;
mod problems;
mod runs;
mod settings;

pub use access::{AlertCondition, AuditAction, Role};
pub use application::{ApplicationState, ApplicationStep, CoverageKind};
pub use contractors::{ContractorSort, ContractorStatus, StatusCounts};
pub use cover::{CoverState, InvoiceState, Payer, PolicyStatus};
pub use deliveries::{DeliveryState, Verification};
pub use links::{LinkOrigin, LinkState, RetireReason};
pub use live::LiveTopic;
pub use outreach::{Channel, ChannelChoice, ContactStep, MessageKind, MessageState, StopReason};
pub use problems::{RuleCode, WarningCode};
pub use runs::{CampaignState, RunState, TriggerKind};
pub use settings::CoverageTypes;

ids! {
    /// An organization (a brand or an agency) using the dashboard.
    OrgId;
    /// A person signed in to an organization's dashboard.
    MemberId;
    /// An invitation to become a member.
    InvitationId;
    /// One creator on one campaign: a row of the contractors list.
    ContractorId;
    /// One sync run.
    SyncRunId;
    /// One application link a row was given.
    LinkId;
    /// One webhook delivery CreatorIQ (or anyone) posted.
    DeliveryId;
    /// One message to a creator.
    MessageId;
    /// One creator's application, made through one link.
    ApplicationId;
    /// The cover a completed application bought: one creator on one campaign, one policy per
    /// coverage type.
    CoverId;
    /// One policy: one coverage type of a cover.
    PolicyId;
    /// One invoice: an organization's per purchase order and month, or a creator's premium.
    InvoiceId;
    /// One line of an invoice (or waiting for one): a cover's premium and fee for one payer.
    InvoiceLineId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip_and_are_what_json_carries() {
        for status in ContractorStatus::ALL {
            assert_eq!(ContractorStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.as_str())
            );
        }
        assert_eq!(ContractorStatus::parse("Synced"), None);
        assert_eq!(ContractorStatus::NeedsAttention.label(), "Needs attention");
        assert_eq!(RuleCode::ALL.len(), 15);
        assert_eq!(serde_json::to_string(&ContractorId(7)).unwrap(), "7");
        assert_eq!(ContractorSort::default(), ContractorSort::Name);
    }

    #[test]
    fn every_set_has_distinct_stored_forms_and_labels() {
        fn distinct(values: &[&str]) -> bool {
            let mut sorted = values.to_vec();
            sorted.sort_unstable();
            sorted.windows(2).all(|w| w[0] != w[1])
        }
        macro_rules! check {
            ($($t:ty),+) => {$(
                assert!(distinct(&<$t>::ALL.map(|w| w.as_str())), stringify!($t));
                assert!(distinct(&<$t>::ALL.map(|w| w.label())), stringify!($t));
                for w in <$t>::ALL {
                    assert!(!w.label().is_empty() && w.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
                }
            )+};
        }
        check!(
            ContractorStatus,
            ContractorSort,
            LinkState,
            RetireReason,
            LinkOrigin,
            TriggerKind,
            RunState,
            CampaignState,
            Role,
            AuditAction,
            AlertCondition,
            Verification,
            DeliveryState,
            RuleCode,
            WarningCode,
            Channel,
            MessageKind,
            MessageState,
            StopReason,
            ChannelChoice,
            CoverageKind,
            ApplicationStep,
            ApplicationState
        );
    }
}
