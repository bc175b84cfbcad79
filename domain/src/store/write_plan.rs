//! The language between the planner and the store: what a store holds about a campaign's rows
//! ([`StoredRow`]), and the explicit writes it is handed to execute ([`WritePlan`]). The
//! planner (`sync/writes.rs`) produces plans; a [`WriteUnit`](super::WriteUnit) executes them in
//! one transaction, in order, deciding nothing itself.

use super::{
    ApplyOutcome, CampaignRecord, Channel, ContractorId, ContractorStatus, ContractorUpdate,
    LinkOrigin, StopReason, SyncFailure,
};
use crate::links::{LinkState, RetireReason};

/// What the planner needs to know about a stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    pub id: ContractorId,
    pub ciq_publisher_id: i64,
    pub status: ContractorStatus,
    /// [`ContractorUpdate::content_hash`] of the content last written.
    pub content_hash: String,
    pub error_message: Option<String>,
    /// The row's current (not retired) application link.
    pub link: Option<StoredLink>,
}

/// A row's current application link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    pub state: LinkState,
    /// The coverage fingerprint it was issued for.
    pub fingerprint: String,
}

/// The row a write is about: one already stored, or the one this plan creates for a creator
/// (the store learns its id when it inserts it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowRef {
    Stored(ContractorId),
    New { ciq_publisher_id: i64 },
}

/// One write, executed in plan order.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Insert or update the campaign; with a failure, its last fetch failed (name and dates are
    /// kept from the record, the last good sync time is kept).
    Campaign {
        record: CampaignRecord,
        failure: Option<SyncFailure>,
    },
    /// The campaign is gone from CreatorIQ's list.
    CampaignRemoved { ciq_campaign_id: i64 },
    /// The row's content is unchanged: only record that this run saw it.
    Touch(ContractorId),
    /// Write the row's content (insert for [`RowRef::New`]), clearing any error.
    PutRow {
        row: RowRef,
        update: Box<ContractorUpdate>,
        content_hash: String,
    },
    /// Status `error` with this failure; content and link stay.
    MarkError { row: RowRef, failure: SyncFailure },
    /// Status `removed`; content stays.
    MarkRemoved(ContractorId),
    /// A history entry.
    Event {
        row: RowRef,
        status: ContractorStatus,
        previous: Option<ContractorStatus>,
        summary: String,
    },
    /// Retire the row's current link, which ends in `state` (expired, or still submitted).
    RetireLink {
        row: ContractorId,
        reason: RetireReason,
        state: LinkState,
    },
    /// Issue a new active link for the row.
    IssueLink {
        row: RowRef,
        fingerprint: String,
        reason: LinkOrigin,
    },
    /// Cancel the row's queued messages (their link was retired).
    StopMessages {
        row: ContractorId,
        reason: StopReason,
    },
    /// Queue the first message about the link this plan issued for the row, once per channel,
    /// due at once. With `only_if_contacted`, only for a row that was sent a message before (a
    /// replaced link goes to the creator who had the old one).
    QueueFirstMessages {
        row: RowRef,
        channels: Vec<Channel>,
        only_if_contacted: bool,
    },
}

/// The writes of one transaction and what they change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WritePlan {
    pub writes: Vec<Write>,
    pub outcome: ApplyOutcome,
}

impl WritePlan {
    pub fn push(&mut self, write: Write) {
        self.writes.push(write);
    }

    /// Whether the plan issues a link (and so may have a first message to queue).
    pub fn issues_links(&self) -> bool {
        self.writes
            .iter()
            .any(|w| matches!(w, Write::IssueLink { .. }))
    }
}
