//! What the sync pipeline stores and reads back: CreatorIQ settings, contractor rows, application
//! links, sync runs. Plain data; the SQL lives in the backends.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::OrgId;
use crate::crypto::EncryptedSecret;
use crate::links::{LinkState, LinkToken, RetireReason};
use crate::mapping::FieldSummary;
use crate::rules::{RuleFailure, RuleWarning};

pub use vocabulary::{
    AlertCondition, CampaignState, ContractorId, ContractorStatus, CoverageTypes, DeliveryId,
    DeliveryState, LinkId, LinkOrigin, RunState, StatusCounts, SyncRunId, TriggerKind,
    Verification,
};
pub use vocabulary::{
    Channel, ChannelChoice, ContactStep, MessageId, MessageKind, MessageState, StopReason,
};

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// An organization's CreatorIQ connection. The key stays encrypted here; the sync engine
/// decrypts it with the master key when it builds a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CiqSettings {
    pub base_url: String,
    pub api_key: Option<EncryptedSecret>,
    /// The key's last four characters, for "key ending in 1234".
    pub api_key_last4: Option<String>,
    pub coverage_types: CoverageTypes,
    /// `None` while nothing was ever saved (defaults apply).
    pub updated_at: Option<DateTime<Utc>>,
    /// Minutes between scheduled full syncs; `None`: off.
    pub sync_interval_minutes: Option<u32>,
    /// When the next scheduled sync is due (set by the scheduler).
    pub next_scheduled_at: Option<DateTime<Utc>>,
    /// The "Open in CreatorIQ" address template as an admin saved it (checked then).
    pub app_link_template: Option<String>,
}

/// The scheduled full sync's default interval: every 6 hours.
pub const DEFAULT_SYNC_INTERVAL_MINUTES: u32 = 360;

// ---------------------------------------------------------------------------------------------
// Contractor rows
// ---------------------------------------------------------------------------------------------

/// Why CreatorIQ could not be read for a campaign or a row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncFailure {
    /// Stable short code, e.g. `server_error` ([`crate::creatoriq::CiqError::code`]).
    pub code: String,
    /// Operator-facing text.
    pub message: String,
}

/// A campaign as the sync last read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRecord {
    pub ciq_campaign_id: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    /// As CreatorIQ sent them.
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

/// One row's new content, computed by the sync from CreatorIQ data (pure), written by the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractorUpdate {
    pub ciq_campaign_id: i64,
    pub ciq_publisher_id: i64,
    pub status: ContractorStatus,
    pub creator_name: Option<String>,
    pub email: Option<String>,
    pub ciq_status: Option<String>,
    pub work_state: Option<String>,
    pub home_state: Option<String>,
    pub base_pay_cents: Option<i64>,
    pub payment_amount_cents: Option<i64>,
    pub agency_pay: Option<bool>,
    pub coverage_start: Option<NaiveDate>,
    pub coverage_end: Option<NaiveDate>,
    pub failures: Vec<RuleFailure>,
    pub warnings: Vec<RuleWarning>,
    pub fields: Vec<FieldSummary>,
    /// The coverage fingerprint of a `synced` row; decides whether its link is replaced.
    pub fingerprint: Option<String>,
    /// What a `synced` row's cover is estimated to cost. Part of the content hash, so a new
    /// rating table rewrites the estimates at the next sync.
    pub estimate: Option<Estimate>,
    /// The purchase order CreatorIQ holds for the row (invoices are addressed from it).
    pub po: PurchaseOrder,
}

/// A row's purchase order (migration 0024): CustomField3, 4 and 5, as understood.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub number: Option<String>,
    pub contact_email: Option<String>,
    pub contact_name: Option<String>,
}

/// A synced row's cover and its estimated price (migration 0023), from the rating table at its
/// last sync. Whole cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    /// The coverage types the row's link sells.
    pub coverage: CoverageTypes,
    pub general_cents: Option<i64>,
    pub workers_comp_cents: Option<i64>,
    /// Paid by the organization, whoever pays the premium.
    pub platform_fee_cents: i64,
}

impl Estimate {
    /// From a valid row's quote.
    pub fn of_quote(coverage: CoverageTypes, quote: &crate::rating::Quote) -> Estimate {
        let line = |kind| quote.line(kind).map(|l| l.premium_cents);
        Estimate {
            coverage,
            general_cents: line(vocabulary::CoverageKind::General),
            workers_comp_cents: line(vocabulary::CoverageKind::WorkersComp),
            platform_fee_cents: quote.platform_fee_cents,
        }
    }

    /// From the stored columns (`None` unless the coverage and the fee are there).
    pub fn from_columns(
        coverage: Option<&str>,
        general_cents: Option<i64>,
        workers_comp_cents: Option<i64>,
        platform_fee_cents: Option<i64>,
    ) -> Option<Estimate> {
        Some(Estimate {
            coverage: CoverageTypes::parse(coverage?)?,
            general_cents,
            workers_comp_cents,
            platform_fee_cents: platform_fee_cents?,
        })
    }

    /// Every coverage type's premium added up.
    pub fn premium_cents(&self) -> i64 {
        self.general_cents.unwrap_or(0) + self.workers_comp_cents.unwrap_or(0)
    }

    /// (creator pays, organization pays): the creator pays the premium unless `agency_pay`;
    /// the organization always pays the platform fee.
    pub fn split(&self, agency_pay: bool) -> (i64, i64) {
        crate::rating::payer_split(self.premium_cents(), self.platform_fee_cents, agency_pay)
    }
}

impl ContractorUpdate {
    /// SHA-256 over the row's content: equal hashes mean a re-run has nothing to write.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        // Serializing plain data to JSON cannot fail; an empty hash would only force a rewrite.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }

    /// The codes of the row's failing rules and warnings, each once: the row's problem rows
    /// (the list's rule filter and the overview's "what to fix" read them).
    pub fn problem_codes(&self) -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = self
            .failures
            .iter()
            .map(|f| f.code.as_str())
            .chain(self.warnings.iter().map(|w| w.code.as_str()))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }

    /// A placeholder for a creator CreatorIQ listed but whose entry could not be read.
    pub fn unreadable(ciq_campaign_id: i64, ciq_publisher_id: i64) -> ContractorUpdate {
        ContractorUpdate {
            ciq_campaign_id,
            ciq_publisher_id,
            status: ContractorStatus::Error,
            creator_name: None,
            email: None,
            ciq_status: None,
            work_state: None,
            home_state: None,
            base_pay_cents: None,
            payment_amount_cents: None,
            agency_pay: None,
            coverage_start: None,
            coverage_end: None,
            failures: Vec::new(),
            warnings: Vec::new(),
            fields: Vec::new(),
            fingerprint: None,
            estimate: None,
            po: PurchaseOrder::default(),
        }
    }
}

/// Everything one campaign's sync writes, in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignSync {
    pub campaign: CampaignRecord,
    pub rows: Vec<ContractorUpdate>,
    /// Creators CreatorIQ listed but whose entry could not be read: their rows become `error`
    /// (or are created as `error` rows) and are not treated as removed.
    pub unreadable: Vec<(i64, SyncFailure)>,
    /// Creators known to be gone from the campaign (a single-row re-sync that CreatorIQ
    /// answered with "not on this campaign"): their rows become `removed`.
    pub removed: Vec<i64>,
    /// The creator list is the whole campaign: stored rows missing from it become `removed`.
    /// False for a single-row re-sync.
    pub complete: bool,
}

/// What a campaign's write changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyOutcome {
    /// Rows written per final status (unchanged rows included).
    pub statuses: StatusCounts,
    /// Rows whose status or content changed (new rows included).
    pub rows_changed: u64,
    pub links_issued: u64,
    pub links_expired: u64,
}

impl ApplyOutcome {
    /// Adds another write's outcome to this one.
    pub fn merge(&mut self, other: &ApplyOutcome) {
        self.statuses.merge(&other.statuses);
        self.rows_changed += other.rows_changed;
        self.links_issued += other.links_issued;
        self.links_expired += other.links_expired;
    }
}

/// A stored contractor row.
#[derive(Clone, Debug, PartialEq)]
pub struct Contractor {
    pub id: ContractorId,
    pub org_id: OrgId,
    pub ciq_campaign_id: i64,
    pub campaign_name: Option<String>,
    pub ciq_publisher_id: i64,
    pub status: ContractorStatus,
    pub creator_name: Option<String>,
    pub email: Option<String>,
    pub ciq_status: Option<String>,
    pub work_state: Option<String>,
    pub home_state: Option<String>,
    pub base_pay_cents: Option<i64>,
    pub payment_amount_cents: Option<i64>,
    pub agency_pay: Option<bool>,
    pub coverage_start: Option<NaiveDate>,
    pub coverage_end: Option<NaiveDate>,
    pub failures: Vec<RuleFailure>,
    pub warnings: Vec<RuleWarning>,
    pub fields: Vec<FieldSummary>,
    pub error: Option<SyncFailure>,
    pub estimate: Option<Estimate>,
    pub po: PurchaseOrder,
    /// The cover the row has (issued for it, or a repeat creator's), if any.
    pub cover: Option<crate::cover::RowCover>,
    pub first_seen_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_run_id: Option<SyncRunId>,
}

impl Contractor {
    /// The columns the contractors list shows.
    pub fn list_item(&self) -> ContractorListItem {
        ContractorListItem {
            id: self.id,
            org_id: self.org_id,
            ciq_campaign_id: self.ciq_campaign_id,
            campaign_name: self.campaign_name.clone(),
            ciq_publisher_id: self.ciq_publisher_id,
            status: self.status,
            creator_name: self.creator_name.clone(),
            email: self.email.clone(),
            work_state: self.work_state.clone(),
            base_pay_cents: self.base_pay_cents,
            agency_pay: self.agency_pay,
            failures: self.failures.clone(),
            warnings: self.warnings.clone(),
            error: self.error.clone(),
            estimate: self.estimate,
            coverage_start: self.coverage_start,
            coverage_end: self.coverage_end,
            cover: self.cover.clone(),
            last_synced_at: self.last_synced_at,
        }
    }
}

/// A CreatorIQ creator as the organization's rows name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatorName {
    pub ciq_publisher_id: i64,
    /// Their first row (by id): where a page links to.
    pub first_row: ContractorId,
    /// As last read from CreatorIQ (any of their rows); `None` when CreatorIQ gave none.
    pub name: Option<String>,
}

/// A contractor row as the contractors list (and its CSV export) shows it: no mapped-field
/// table, dates or history, which only the contractor page reads.
#[derive(Clone, Debug, PartialEq)]
pub struct ContractorListItem {
    pub id: ContractorId,
    pub org_id: OrgId,
    pub ciq_campaign_id: i64,
    pub campaign_name: Option<String>,
    pub ciq_publisher_id: i64,
    pub status: ContractorStatus,
    pub creator_name: Option<String>,
    pub email: Option<String>,
    pub work_state: Option<String>,
    pub base_pay_cents: Option<i64>,
    pub agency_pay: Option<bool>,
    pub failures: Vec<RuleFailure>,
    pub warnings: Vec<RuleWarning>,
    pub error: Option<SyncFailure>,
    pub estimate: Option<Estimate>,
    /// The row's window now, against which its cover is read (a gap when CreatorIQ moved it).
    pub coverage_start: Option<NaiveDate>,
    pub coverage_end: Option<NaiveDate>,
    pub cover: Option<crate::cover::RowCover>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

impl ContractorListItem {
    /// How the row's cover reads on `today`.
    pub fn cover_reading(&self, today: NaiveDate) -> crate::cover::CoverReading {
        crate::cover::read_cover(
            self.cover.as_ref(),
            (self.coverage_start, self.coverage_end),
            today,
        )
    }
}

/// One entry of a row's sync history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractorEvent {
    pub at: DateTime<Utc>,
    pub run_id: Option<SyncRunId>,
    pub status: ContractorStatus,
    pub previous_status: Option<ContractorStatus>,
    pub summary: String,
}

// ---------------------------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------------------------

/// An application link as the dashboard shows it (the token is redacted in `Debug`).
#[derive(Clone, Debug, PartialEq)]
pub struct ApplicationLink {
    pub id: LinkId,
    pub org_id: OrgId,
    pub contractor_id: ContractorId,
    pub token: LinkToken,
    pub state: LinkState,
    pub fingerprint: String,
    pub created_at: DateTime<Utc>,
    pub created_run_id: Option<SyncRunId>,
    /// `sync` or `regenerated`.
    pub created_reason: LinkOrigin,
    pub opened_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    pub retired_at: Option<DateTime<Utc>>,
    pub retired_reason: Option<RetireReason>,
}

impl ApplicationLink {
    /// Whether this is the row's current link (not replaced or retired).
    pub fn is_current(&self) -> bool {
        self.retired_at.is_none()
    }
}

/// What the public `/apply/{token}` page needs: the link and the coverage it is for.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicLink {
    pub link: ApplicationLink,
    pub contractor: Contractor,
}

// ---------------------------------------------------------------------------------------------
// Sync runs
// ---------------------------------------------------------------------------------------------

/// What started a run and who: a member's email, a webhook's request id, a host name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub by: Option<String>,
    /// The member who started it, for the audit log (not stored with the run).
    #[serde(default, skip)]
    pub member: Option<super::MemberId>,
}

impl Trigger {
    pub fn new(kind: TriggerKind, by: impl Into<Option<String>>) -> Trigger {
        Trigger {
            kind,
            by: by.into(),
            member: None,
        }
    }

    /// Started by a member in the dashboard.
    pub fn by_member(kind: TriggerKind, member: super::MemberId, email: &str) -> Trigger {
        Trigger {
            kind,
            by: Some(email.to_string()),
            member: Some(member),
        }
    }
}

/// Live progress of a run, stored on its row after each campaign.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub campaigns_total: u64,
    pub campaigns_done: u64,
    pub campaigns_failed: u64,
    pub creators_done: u64,
    /// Campaigns a scheduled run did not re-read because their end date had passed (their rows
    /// keep their last state).
    pub campaigns_ended: u64,
}

/// One failure inside a run, for the run's error list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunError {
    pub ciq_campaign_id: Option<i64>,
    pub ciq_publisher_id: Option<i64>,
    pub code: String,
    pub message: String,
}

/// What a finished run reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTotals {
    pub progress: SyncProgress,
    pub statuses: StatusCounts,
    pub rows_changed: u64,
    pub links_issued: u64,
    pub links_expired: u64,
    pub ciq_requests: u64,
    pub ciq_retries: u64,
    /// The run-level failure, when the run could not proceed at all.
    pub error: Option<String>,
    pub errors: Vec<RunError>,
}

/// A stored sync run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    pub id: SyncRunId,
    pub org_id: OrgId,
    pub trigger: Trigger,
    pub contractor_id: Option<ContractorId>,
    pub state: RunState,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub totals: RunTotals,
}

/// The answer to "start a run".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginRun {
    /// This caller holds the lease and runs `SyncRunId`.
    Started(SyncRunId),
    /// Another holder (possibly another server instance) is running this organization.
    AlreadyRunning(SyncRunId),
}

/// Who asks for the per-organization lease and for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseRequest {
    /// Identifies the server instance (stable for its lifetime).
    pub holder: String,
    pub ttl: chrono::Duration,
}

// ---------------------------------------------------------------------------------------------
// Webhook deliveries
// ---------------------------------------------------------------------------------------------

/// A delivery as received, to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDelivery {
    pub org_id: OrgId,
    pub received_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub entity_type: Option<String>,
    pub action_type: Option<String>,
    pub entity_id: Option<i64>,
    pub ciq_campaign_id: Option<i64>,
    pub ciq_publisher_id: Option<i64>,
    pub verification: Verification,
    /// Why it was refused, in words (never the body or a secret).
    pub detail: Option<String>,
    /// The envelope, kept only for verified deliveries.
    pub body: Option<serde_json::Value>,
}

/// What recording a delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordedDelivery {
    /// Verified and new: queued for processing.
    Queued(DeliveryId),
    /// Verified, but its `requestId` was accepted before: logged as a replay.
    Replayed(DeliveryId),
    /// Logged as refused.
    Rejected(DeliveryId),
    /// Refused and not logged: the organization's log already holds
    /// [`REJECTED_DELIVERIES_PER_MINUTE`] refused deliveries from the last minute.
    Dropped,
}

/// Refused webhook deliveries one organization's log keeps per minute: anyone on the internet
/// can post to a webhook address, and what they post must not fill the database.
pub const REJECTED_DELIVERIES_PER_MINUTE: i64 = 60;

/// How long refused webhook deliveries are kept in the log.
pub const REJECTED_DELIVERIES_KEPT_DAYS: i64 = 7;

/// A stored delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub org_id: OrgId,
    pub received_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub entity_type: Option<String>,
    pub action_type: Option<String>,
    pub entity_id: Option<i64>,
    pub ciq_campaign_id: Option<i64>,
    pub ciq_publisher_id: Option<i64>,
    pub verification: Verification,
    pub state: DeliveryState,
    pub attempts: u64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
    pub run_id: Option<SyncRunId>,
    pub rows_changed: Option<u64>,
    pub detail: Option<String>,
    pub body: Option<serde_json::Value>,
}

/// How a worker's claim on deliveries ended.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryResult {
    pub state: DeliveryState,
    pub run_id: Option<SyncRunId>,
    pub rows_changed: Option<u64>,
    pub detail: Option<String>,
    /// With `state == Queued`: when to try again.
    pub retry_at: Option<DateTime<Utc>>,
    /// Whether this claim counts as a processing attempt (a busy organization does not).
    pub counts_as_attempt: bool,
}

/// An organization whose scheduled sync is due or needs a first time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleDue {
    pub org_id: OrgId,
    pub interval_minutes: u32,
    /// `None`: never scheduled (or the interval changed); the scheduler picks a first time.
    pub next_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

/// Where an organization's alerts go. Empty: no alerts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertSettings {
    /// Email recipients, as entered (validated before they are stored).
    pub emails: Vec<String>,
    /// A Slack-compatible webhook URL, sealed with the master key.
    pub webhook_url: Option<EncryptedSecret>,
    /// The webhook URL's scheme and host, e.g. `https://hooks.slack.com`: all the page shows.
    pub webhook_url_shown: Option<String>,
    /// How many days before a campaign starts the coverage deadline alert warns.
    pub deadline_days: u32,
}

/// Warned this many days ahead unless an admin chose otherwise.
pub const DEFAULT_DEADLINE_DAYS: u32 = 5;
/// The lead times an admin may choose.
pub const DEADLINE_DAYS: std::ops::RangeInclusive<u32> = 1..=60;

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            emails: Vec::new(),
            webhook_url: None,
            webhook_url_shown: None,
            deadline_days: DEFAULT_DEADLINE_DAYS,
        }
    }
}

/// Where one alert condition stands for an organization.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlertState {
    /// Raised (an alert was sent) and not cleared since.
    pub active: bool,
    /// For `AttentionRising`: the count before it rose.
    pub baseline: u64,
    /// For `AttentionRising`: the count after the last run.
    pub last_value: u64,
}

// ---------------------------------------------------------------------------------------------
// Messages to creators
// ---------------------------------------------------------------------------------------------

/// A message to queue for a row's current link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    pub contractor: ContractorId,
    pub link: LinkId,
    pub channel: Channel,
    pub kind: MessageKind,
    /// What the message is for (link, channel, which one of its sequence): a second message
    /// with the same key is not queued.
    pub dedupe_key: String,
    pub due_at: DateTime<Utc>,
    /// A member's email for a message someone asked for; `None` when the product decided it.
    pub requested_by: Option<String>,
}

impl NewMessage {
    /// The first message about `link` on `channel` (at most one is ever queued).
    pub fn first(
        contractor: ContractorId,
        link: LinkId,
        channel: Channel,
        due_at: DateTime<Utc>,
        requested_by: Option<String>,
    ) -> NewMessage {
        NewMessage {
            contractor,
            link,
            channel,
            kind: MessageKind::First,
            dedupe_key: format!("{}:{}:first", link.0, channel.as_str()),
            due_at,
            requested_by,
        }
    }

    /// Reminder `n` (0-based) about `link` on `channel`.
    pub fn reminder(
        contractor: ContractorId,
        link: LinkId,
        channel: Channel,
        n: usize,
        due_at: DateTime<Utc>,
    ) -> NewMessage {
        NewMessage {
            contractor,
            link,
            channel,
            kind: MessageKind::Reminder,
            dedupe_key: format!("{}:{}:reminder:{n}", link.0, channel.as_str()),
            due_at,
            requested_by: None,
        }
    }

    /// The certificate of `cover` to the creator who applied through `link`, on `channel`
    /// (once per cover and channel).
    pub fn certificate(
        contractor: ContractorId,
        link: LinkId,
        channel: Channel,
        cover: crate::cover::CoverId,
        due_at: DateTime<Utc>,
    ) -> NewMessage {
        NewMessage {
            contractor,
            link,
            channel,
            kind: MessageKind::Certificate,
            dedupe_key: format!("{}:{}:certificate:{}", link.0, channel.as_str(), cover.0),
            due_at,
            requested_by: None,
        }
    }

    /// A member's "Resend" of the link at `at`: another first message, distinct from the ones
    /// before it.
    pub fn resend(
        contractor: ContractorId,
        link: LinkId,
        channel: Channel,
        at: DateTime<Utc>,
        requested_by: String,
    ) -> NewMessage {
        NewMessage {
            contractor,
            link,
            channel,
            kind: MessageKind::First,
            dedupe_key: format!(
                "{}:{}:resend:{}",
                link.0,
                channel.as_str(),
                at.timestamp_micros()
            ),
            due_at: at,
            requested_by: Some(requested_by),
        }
    }
}

/// A message as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutreachMessage {
    pub id: MessageId,
    pub org_id: OrgId,
    pub contractor_id: ContractorId,
    pub link_id: LinkId,
    pub channel: Channel,
    pub kind: MessageKind,
    pub state: MessageState,
    pub due_at: DateTime<Utc>,
    /// Sending attempts so far (a claim counts as one).
    pub attempts: u64,
    pub sent_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, in operator words.
    pub failure: Option<String>,
    pub stop_reason: Option<StopReason>,
    pub requested_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// How an attempt to send a claimed message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Handed to the relay or to CreatorIQ.
    Sent,
    /// A temporary failure: tried again at `at`.
    Retry { at: DateTime<Utc>, failure: String },
    /// Refused for good.
    Failed { failure: String },
    /// Not needed any more.
    Cancelled(StopReason),
}

/// A row as a person's Send sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendableRow {
    pub id: ContractorId,
    pub status: ContractorStatus,
    pub link: Option<SendableLink>,
}

/// A row's current link as a person's Send sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendableLink {
    pub id: LinkId,
    pub state: LinkState,
    pub reminders_stopped: bool,
    /// A first message about it was queued or sent before.
    pub sent_before: bool,
}

/// A row's messages in one line of the list (about its current link).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactSummary {
    /// Messages sent.
    pub sent: u64,
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Messages waiting to be sent (or tried again).
    pub waiting: u64,
    /// A message could not be delivered.
    pub failed: bool,
}

/// One campaign's rows on the way from Synced to a submitted application (current links).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunnelRow {
    pub ciq_campaign_id: i64,
    pub name: Option<String>,
    pub synced: u64,
    pub sent: u64,
    pub opened: u64,
    pub submitted: u64,
    /// The rows' estimated premiums the creators pay, those the organization pays (Agency
    /// Pay), and the platform fees, in cents.
    pub creator_premium_cents: i64,
    pub agency_premium_cents: i64,
    pub platform_fee_cents: i64,
}

/// Where the messages of a Send are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageProgress {
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    /// Not needed any more (the row changed before it went).
    pub cancelled: u64,
}

/// What sending a message needs to know, read when it is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageContext {
    pub organization: String,
    pub status: ContractorStatus,
    pub creator_name: Option<String>,
    pub email: Option<String>,
    pub ciq_publisher_id: i64,
    pub campaign: Option<String>,
    pub coverage_start: Option<NaiveDate>,
    pub coverage_end: Option<NaiveDate>,
    pub token: LinkToken,
    pub link_state: LinkState,
    /// The link is still the row's current one.
    pub link_is_current: bool,
    /// The creator used the "stop reminders" link of a message about this link.
    pub reminders_stopped: bool,
    /// When the first message about the link on this channel went out.
    pub first_sent_at: Option<DateTime<Utc>>,
    /// Reminders about the link on this channel sent so far.
    pub reminders_sent: u64,
    /// The row is covered by a policy issued for another row of the creator (no application
    /// needed).
    pub covered: bool,
    /// The row has cover that is not cancelled (a certificate is still worth sending).
    pub cover_stands: bool,
}

/// An organization's outreach settings as stored; `None` fields have not been set (the
/// product's defaults apply, see `outreach::OutreachSettings`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutreachSettingsRecord {
    pub channels: Option<ChannelChoice>,
    /// Send the first message as soon as a row becomes Synced.
    pub auto_send: bool,
    /// Days after the first message each reminder is due, e.g. "2, 5, 9".
    pub cadence: Option<String>,
    pub sender_name: Option<String>,
    pub reply_to: Option<String>,
    pub first_subject: Option<String>,
    pub first_body: Option<String>,
    pub reminder_subject: Option<String>,
    pub reminder_body: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Applications
// ---------------------------------------------------------------------------------------------

/// What saving a step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepSaved {
    /// Written; the application as it is now.
    Saved(Box<crate::application::Application>),
    /// The application had already left the step (another tab): nothing written.
    Stale(Box<crate::application::Application>),
    /// The link was replaced or expired: nothing written.
    Expired,
}

/// An application waiting for an underwriter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewItem {
    pub id: vocabulary::ApplicationId,
    pub contractor_id: ContractorId,
    pub creator_name: Option<String>,
    pub email: Option<String>,
    pub campaign: String,
    pub answers: crate::application::Answers,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// An underwriter's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// With the cover it issues (`None` when the row lacks what a policy states).
    Approve(Option<Box<crate::cover::Issue>>),
    /// With the reason the creator is told.
    Decline(String),
}

/// A campaign's cover and money (the overview): how many of its creators are covered, and
/// what their cover bills, by payer and by where the bill stands. Whole cents; voided lines
/// count for nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CampaignCover {
    pub ciq_campaign_id: i64,
    pub name: Option<String>,
    /// The campaign's window, from its rows.
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Rows that need cover: Synced, Needs attention or Error.
    pub creators: u64,
    /// Of those, the ones with cover that stands (issued, not cancelled, no gap).
    pub covered: u64,
    pub creator_premium_cents: i64,
    pub organization_premium_cents: i64,
    pub fee_cents: i64,
    /// On invoices that are not void; of that, paid, and open or sent.
    pub invoiced_cents: i64,
    pub paid_cents: i64,
    pub open_cents: i64,
    /// Agency Pay lines waiting for a PO #.
    pub waiting_cents: i64,
}

/// What cancelling a cover did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled(Box<crate::cover::Cover>),
    /// Not cancellable, with why (it started, or it is already cancelled).
    Refused(String),
    NotFound,
}

/// What a review did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewOutcome {
    Decided(Box<crate::application::Application>),
    NotFound,
    /// It is not in manual review (it is at this step).
    NotInReview(vocabulary::ApplicationStep),
}
