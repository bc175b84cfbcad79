//! The store's roles: one small trait per group of tables, each implemented for both backends
//! in the SQL module where its queries live (`store/sql/<module>.rs`, named on each trait).
//! [`Store`](super::Store) is all of them together.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::application::{Application, StepChange};
use vocabulary::{ApplicationId, LinkId};

/// Organizations: created from the CLI, found by slug, id or webhook address.
/// Implemented in `store/sql/organizations.rs`.
#[async_trait]
pub trait Organizations: Send + Sync {
    async fn create_organization(&self, slug: &str, name: &str) -> StoreResult<Organization>;
    async fn organization_by_slug(&self, slug: &str) -> StoreResult<Option<Organization>>;
    /// Every organization's slug, alphabetically.
    async fn organization_slugs(&self) -> StoreResult<Vec<String>>;
    async fn organization(&self, id: OrgId) -> StoreResult<Option<Organization>>;
    /// The organization a webhook callback URL names.
    async fn organization_by_webhook_id(
        &self,
        webhook_id: &str,
    ) -> StoreResult<Option<Organization>>;
    /// Gives the organization a new random webhook id (so a new callback URL): the old one
    /// is unknown from now on. Returns the new id.
    async fn rotate_webhook_id(&self, org: OrgId) -> StoreResult<String>;
}

/// The people of an organization, their roles and passwords.
/// Implemented in `store/sql/members.rs`.
#[async_trait]
pub trait Members: Send + Sync {
    /// `email` must already be normalised (trimmed, lower-cased).
    async fn create_member(
        &self,
        org: OrgId,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> StoreResult<Member>;
    async fn member_credentials(&self, email: &str) -> StoreResult<Option<MemberCredentials>>;
    async fn member(&self, id: MemberId) -> StoreResult<Option<Member>>;
    /// The organization's members, admins first, then by email.
    async fn members(&self, org: OrgId) -> StoreResult<Vec<MemberSummary>>;
    /// Changes a member's role. Refused (`Invalid`) when it would leave the organization
    /// without an admin; `NotFound` when the member is not the organization's.
    async fn set_member_role(&self, org: OrgId, member: MemberId, role: Role) -> StoreResult<()>;
    /// Removes a member (their sessions end with them). Refused (`Invalid`) for the last admin.
    async fn remove_member(&self, org: OrgId, member: MemberId) -> StoreResult<Member>;
    /// Replaces a member's password hash and moves their session generation on, which ends
    /// every session signed in before. Returns the new generation.
    async fn set_member_password(
        &self,
        org: OrgId,
        member: MemberId,
        password_hash: &str,
    ) -> StoreResult<i64>;
}

/// One-time sign-in links and invitations: how someone gets in without a password yet.
/// Implemented in `store/sql/members.rs`.
#[async_trait]
pub trait Invitations: Send + Sync {
    /// Stores a one-time sign-in link (only the token's hash) for a member of `org`, replacing
    /// any unused one they had.
    async fn create_sign_in_link(
        &self,
        org: OrgId,
        member: MemberId,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The member an unused, unexpired link belongs to, without using it up.
    async fn sign_in_link_member(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Member>>;
    /// Uses up a link and sets the member's password in one transaction; `None` when the link is
    /// unknown, used or expired (so two tabs cannot both use it).
    async fn use_sign_in_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Option<Member>>;
    /// Invites `email` (normalised) to the organization with `role`, storing the token's hash.
    /// `Conflict("a member with this email")` when the address is already the organization's
    /// member, `Conflict("an invitation for this email")` while one is pending; an expired one
    /// is replaced. Says nothing about other organizations.
    async fn create_invitation(
        &self,
        org: OrgId,
        email: &str,
        role: Role,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The organization's invitations not used yet and not expired at `now`, by email.
    async fn invitations(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<InvitationSummary>>;
    /// Withdraws a pending invitation; false when there is none of this organization's.
    async fn cancel_invitation(&self, org: OrgId, id: InvitationId) -> StoreResult<bool>;
    /// What a live invitation link is for, without using it up.
    async fn invitation_by_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<InvitationInfo>>;
    /// Uses up a live invitation and, in the same transaction, makes its address a member with
    /// `password_hash`; `None` when the link is unknown, used or expired.
    async fn accept_invitation(
        &self,
        token: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Option<AcceptedInvitation>>;
}

/// Failed sign-ins, counted per hashed subject for the sign-in throttle.
/// Implemented in `store/sql/organizations.rs`.
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Records one failed sign-in for each subject (hashed email, hashed address), and drops
    /// records too old to matter to any throttle window.
    async fn record_login_failure(&self, subjects: &[String], at: DateTime<Utc>)
        -> StoreResult<()>;
    /// The most recent failures of a subject since `since`, newest first, at most `limit`.
    async fn recent_login_failures(
        &self,
        subject: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DateTime<Utc>>>;
    /// Forgets a subject's failures (after a successful sign-in).
    async fn clear_login_failures(&self, subject: &str) -> StoreResult<()>;
    /// Forgets one attempt recorded by [`LoginThrottle::record_login_failure`] at `at` (an attempt is
    /// counted before its password is checked; one that succeeded does not count).
    async fn forget_login_attempt(&self, subjects: &[String], at: DateTime<Utc>)
        -> StoreResult<()>;
}

/// The append-only audit log.
/// Implemented in `store/sql/audit.rs`.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends an entry to the organization's audit log.
    async fn record_audit(&self, event: &NewAuditEvent) -> StoreResult<()>;
    /// Entries newest first under `filter`, up to `limit`, and how many match in all.
    async fn audit_events(
        &self,
        org: OrgId,
        filter: &AuditFilter,
        limit: u32,
    ) -> StoreResult<(Vec<AuditEvent>, u64)>;
}

/// An organization's CreatorIQ connection, its request counts, coverage choice and sync interval.
/// Implemented in `store/sql/settings.rs`.
#[async_trait]
pub trait CreatorIqSettings: Send + Sync {
    /// The organization's CreatorIQ settings, with defaults when nothing was saved yet.
    async fn ciq_settings(&self, org: OrgId) -> StoreResult<CiqSettings>;
    /// Stores the CreatorIQ environment and the API key sealed for it
    /// ([`crate::crypto::MasterKey::encrypt_api_key`]) together, in one write: a key is never
    /// stored beside an environment it was not sealed for. Callers go through
    /// [`crate::sync::SyncEngine::connect_creatoriq`], which checks both first.
    async fn save_ciq_connection(
        &self,
        org: OrgId,
        base_url: &str,
        encrypted: &EncryptedSecret,
        last4: &str,
    ) -> StoreResult<()>;
    async fn clear_ciq_key(&self, org: OrgId) -> StoreResult<()>;
    /// Counts `n` CreatorIQ requests for the key named by `fingerprint` on `day` (UTC), unless
    /// that would pass `limit` for the day. Returns the new count, or `None` when the requests
    /// must not be sent. Atomic across server instances.
    async fn count_ciq_requests(
        &self,
        fingerprint: &str,
        day: NaiveDate,
        n: u64,
        limit: u64,
    ) -> StoreResult<Option<u64>>;
    /// Requests counted for the key on `day` (UTC).
    async fn ciq_requests_on(&self, fingerprint: &str, day: NaiveDate) -> StoreResult<u64>;
    async fn save_coverage_types(&self, org: OrgId, types: CoverageTypes) -> StoreResult<()>;
    /// Minutes between scheduled full syncs (`None`: off).
    async fn save_sync_interval(&self, org: OrgId, minutes: Option<u32>) -> StoreResult<()>;
    /// The "Open in CreatorIQ" address template, checked by the caller (`None`: no link).
    async fn save_app_link_template(&self, org: OrgId, template: Option<&str>) -> StoreResult<()>;
}

/// Scheduled syncs: which organizations are due, claimed by one instance.
/// Implemented in `store/sql/webhooks.rs`.
#[async_trait]
pub trait Schedules: Send + Sync {
    /// Organizations with a key and a schedule whose next run is due or not yet chosen.
    async fn due_schedules(&self, now: DateTime<Utc>) -> StoreResult<Vec<ScheduleDue>>;
    /// Moves the organization's next scheduled run to `next` if it is still as `due` said;
    /// true for exactly one of several instances racing for it.
    async fn claim_schedule(
        &self,
        org: OrgId,
        due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

/// CreatorIQ's webhook deliveries: recorded, claimed by one worker, finished, listed, replayed.
/// Implemented in `store/sql/webhooks.rs`.
#[async_trait]
pub trait WebhookDeliveries: Send + Sync {
    /// Logs a delivery; a verified one is queued unless its `requestId` was seen (a replay).
    /// A refused one is logged only while the organization has logged fewer than
    /// [`REJECTED_DELIVERIES_PER_MINUTE`] refused deliveries in the minute before it.
    async fn record_webhook_delivery(
        &self,
        delivery: &NewDelivery,
    ) -> StoreResult<RecordedDelivery>;
    /// Deletes refused deliveries of every organization received before `before`; how many.
    async fn prune_rejected_deliveries(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Claims up to `max` due deliveries of one organization for `holder` until `until`.
    async fn claim_webhook_deliveries(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        max: u32,
    ) -> StoreResult<Vec<Delivery>>;
    /// Records the end of processing for the claimed deliveries `holder` still holds.
    async fn finish_webhook_deliveries(
        &self,
        ids: &[DeliveryId],
        holder: &str,
        result: &DeliveryResult,
    ) -> StoreResult<u64>;
    /// The organization's delivery log, newest first, and its size.
    async fn webhook_deliveries(
        &self,
        org: OrgId,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Delivery>, u64)>;
    async fn webhook_delivery(&self, org: OrgId, id: DeliveryId) -> StoreResult<Option<Delivery>>;
    /// The organization's newest delivery, without counting the log.
    async fn latest_webhook_delivery(&self, org: OrgId) -> StoreResult<Option<Delivery>>;
    /// Queues a verified delivery again; false if it is not one of the organization's verified
    /// deliveries or is being processed.
    async fn requeue_webhook_delivery(&self, org: OrgId, id: DeliveryId) -> StoreResult<bool>;
}

/// Alert settings and the last state of each alert condition.
/// Implemented in `store/sql/alerts.rs`.
#[async_trait]
pub trait AlertRecords: Send + Sync {
    async fn alert_settings(&self, org: OrgId) -> StoreResult<AlertSettings>;
    async fn save_alert_settings(&self, org: OrgId, settings: &AlertSettings) -> StoreResult<()>;
    /// Every condition's state (inactive and zero where none was stored).
    async fn alert_states(&self, org: OrgId) -> StoreResult<Vec<(AlertCondition, AlertState)>>;
    async fn save_alert_state(
        &self,
        org: OrgId,
        condition: AlertCondition,
        state: &AlertState,
    ) -> StoreResult<()>;
    /// The campaigns whose coverage deadline alert is raised and not cleared.
    async fn raised_deadlines(&self, org: OrgId) -> StoreResult<Vec<i64>>;
    /// Raises the deadline alert of `raise`'s campaigns and clears `clear`'s.
    async fn save_deadlines(&self, org: OrgId, raise: &[i64], clear: &[i64]) -> StoreResult<()>;
}

/// Sync runs and the organization's lease: one run at a time across instances.
/// Implemented in `store/sql/runs.rs`.
#[async_trait]
pub trait SyncRuns: Send + Sync {
    /// Takes the organization's sync lease and records a new running run, or reports the run
    /// that holds an unexpired lease. A run whose lease expired (its server died) is marked
    /// failed when the lease is taken over.
    async fn begin_sync_run(
        &self,
        org: OrgId,
        trigger: &Trigger,
        contractor: Option<ContractorId>,
        lease: &LeaseRequest,
    ) -> StoreResult<BeginRun>;
    /// Stores live progress and extends the lease. `false` when the lease is no longer ours.
    async fn record_sync_progress(
        &self,
        org: OrgId,
        run: SyncRunId,
        progress: &SyncProgress,
        lease: &LeaseRequest,
    ) -> StoreResult<bool>;
    /// Extends the lease of a run this holder runs; `false` when the lease is no longer ours
    /// (it expired and another instance took it over).
    async fn renew_sync_lease(
        &self,
        org: OrgId,
        run: SyncRunId,
        lease: &LeaseRequest,
    ) -> StoreResult<bool>;
    /// Stores the run's outcome and releases the lease.
    async fn finish_sync_run(
        &self,
        org: OrgId,
        run: SyncRunId,
        state: RunState,
        totals: &RunTotals,
        holder: &str,
    ) -> StoreResult<()>;
    async fn sync_run(&self, org: OrgId, run: SyncRunId) -> StoreResult<Option<SyncRun>>;
    /// Most recent first; `before` pages back.
    async fn sync_runs(
        &self,
        org: OrgId,
        before: Option<SyncRunId>,
        limit: u32,
    ) -> StoreResult<Vec<SyncRun>>;
    /// The run holding the organization's unexpired lease, if any (any server instance).
    async fn running_sync_run(&self, org: OrgId) -> StoreResult<Option<SyncRun>>;
}

/// Every write a sync or an operator's link action makes: through a unit of work.
/// Implemented in `store/sql/sync_writes.rs`.
#[async_trait]
pub trait SyncWrites: Send + Sync {
    /// Opens one transaction of writes for the organization, on behalf of `run` (`None`: an
    /// operator's action). The caller reads what it needs through the unit, asks the planner
    /// (`sync/writes.rs`) and hands the plan back; nothing is visible to others until
    /// [`WriteUnit::commit`]. Dropping the unit rolls it back.
    async fn begin_writes(
        &self,
        org: OrgId,
        run: Option<SyncRunId>,
        durability: Durability,
    ) -> StoreResult<Box<dyn WriteUnit>>;
}

/// Contractor rows as the list, the contractor page, the overview and webhooks read them.
/// Implemented in `store/sql/contractors.rs`.
#[async_trait]
pub trait ContractorReads: Send + Sync {
    async fn contractor(&self, org: OrgId, id: ContractorId) -> StoreResult<Option<Contractor>>;
    async fn contractor_by_ciq_ids(
        &self,
        org: OrgId,
        ciq_campaign_id: i64,
        ciq_publisher_id: i64,
    ) -> StoreResult<Option<Contractor>>;
    /// For each of these CreatorIQ creators the organization has rows of: their name (as last
    /// read) and their first row, e.g. to name the creators of webhook deliveries.
    async fn creators_named(
        &self,
        org: OrgId,
        ciq_publisher_ids: &[i64],
    ) -> StoreResult<Vec<CreatorName>>;
    /// Every row of one creator (all campaigns), e.g. for a webhook naming them.
    async fn contractors_for_publisher(
        &self,
        org: OrgId,
        ciq_publisher_id: i64,
    ) -> StoreResult<Vec<Contractor>>;
    async fn contractor_status_counts(&self, org: OrgId) -> StoreResult<StatusCounts>;
    /// Most recent first.
    async fn contractor_history(
        &self,
        org: OrgId,
        id: ContractorId,
        limit: u32,
    ) -> StoreResult<Vec<ContractorEvent>>;
    /// One page of the contractors list: the rows matching `request.filter` in its order, with
    /// each row's current application link, and how many rows match in all.
    async fn contractor_page(
        &self,
        org: OrgId,
        request: &ContractorPageRequest,
    ) -> StoreResult<ContractorPage>;
    /// Row counts per status among the rows matching `filter`, ignoring its status: the
    /// numbers on the list's status tabs.
    async fn contractor_filter_counts(
        &self,
        org: OrgId,
        filter: &ContractorFilter,
    ) -> StoreResult<StatusCounts>;
    /// The organization's campaigns, by name, for the list's campaign filter.
    async fn contractor_campaigns(&self, org: OrgId) -> StoreResult<Vec<CampaignOption>>;
    /// Rows needing attention per problem (synced, removed, exempt and not-accepted rows need
    /// no fix), with the `largest` campaigns of each: the overview's "what to fix".
    async fn problem_summary(&self, org: OrgId, largest: u32) -> StoreResult<Vec<ProblemSummary>>;
}

/// Application links: a row's current link and history, the public lookup by token, opened and submitted.
/// Implemented in `store/sql/links.rs`.
#[async_trait]
pub trait Links: Send + Sync {
    async fn current_link(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Option<ApplicationLink>>;
    /// Every link the row ever had, most recent first.
    async fn link_history(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<ApplicationLink>>;
    /// The public application page's lookup. The token is the only key: it is the capability
    /// the creator was given, and the answer carries its organization.
    async fn link_by_token(&self, token: &LinkToken) -> StoreResult<Option<PublicLink>>;
    /// `active` -> `opened`; other states unchanged. Returns the link's state afterwards.
    async fn mark_link_opened(&self, token: &LinkToken) -> StoreResult<Option<LinkState>>;
    /// `active`/`opened` -> `submitted`, for the current link only.
    async fn mark_link_submitted(&self, token: &LinkToken) -> StoreResult<Option<LinkState>>;
}

/// Creators' applications, one per link, saved step by step.
/// Implemented in `store/sql/applications.rs`.
#[async_trait]
pub trait Applications: Send + Sync {
    /// The application made through `link` (`None`: not started).
    async fn application(&self, link: LinkId) -> StoreResult<Option<Application>>;
    /// Saves a step planned by [`crate::application::plan_step`], making the application at
    /// `verify_info` first if the link has none (with the answers given on an earlier link for
    /// the same coverage). Written only while the link is the row's current one and the
    /// application is still at `change.from`; a submit marks the link submitted and cancels its
    /// reminders in the same transaction.
    async fn save_application_step(
        &self,
        link: &ApplicationLink,
        change: &StepChange,
        now: DateTime<Utc>,
    ) -> StoreResult<StepSaved>;
    /// Applications waiting for an underwriter, oldest first.
    async fn applications_in_review(&self, org: OrgId) -> StoreResult<Vec<ReviewItem>>;
    /// Approves or declines an application in manual review.
    async fn review_application(
        &self,
        org: OrgId,
        id: ApplicationId,
        verdict: &Verdict,
        by: &str,
    ) -> StoreResult<ReviewOutcome>;
    /// Every application a row's links had, most recent first.
    async fn row_applications(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<Application>>;
}

/// Cover issued from completed applications: covers and their policies.
/// Implemented in `store/sql/covers.rs`; issuing happens in the transaction that completes or
/// approves the application ([`Applications`]).
#[async_trait]
pub trait Covers: Send + Sync {
    /// The covers issued for a row, and the one that covers it if another row's (a repeat
    /// creator's), most recent first.
    async fn row_covers(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<crate::cover::Cover>>;
    async fn cover(
        &self,
        org: OrgId,
        id: crate::cover::CoverId,
    ) -> StoreResult<Option<crate::cover::Cover>>;
    /// The cover the application made through `link` issued.
    async fn link_cover(&self, link: LinkId) -> StoreResult<Option<crate::cover::Cover>>;
    /// A campaign's covers that are not cancelled, by insured name.
    async fn campaign_covers(
        &self,
        org: OrgId,
        ciq_campaign_id: i64,
    ) -> StoreResult<Vec<crate::cover::Cover>>;
    /// Covers Synced rows without cover with a policy their creator already holds for the
    /// same work state, coverage types and window (repeat creators); how many rows.
    async fn apply_repeat_cover(&self, org: OrgId) -> StoreResult<u64>;
    /// Every campaign's cover and money, by campaign id.
    async fn campaign_cover(&self, org: OrgId) -> StoreResult<Vec<CampaignCover>>;
    /// Cancels a cover that has not started on `today` (its policies and the rows it covers).
    async fn cancel_cover(
        &self,
        org: OrgId,
        id: crate::cover::CoverId,
        by: &str,
        reason: &str,
        today: chrono::NaiveDate,
    ) -> StoreResult<CancelOutcome>;
}

/// Invoices and their lines (placed when a cover is issued, voided when it is cancelled).
/// Implemented in `store/sql/invoices.rs`.
#[async_trait]
pub trait Invoices: Send + Sync {
    /// The organization's invoices (in `state`, or all), newest first, with their totals.
    async fn invoices(
        &self,
        org: OrgId,
        state: Option<crate::invoice::InvoiceState>,
    ) -> StoreResult<Vec<crate::invoice::InvoiceSummary>>;
    /// One invoice with every line on it.
    async fn invoice(
        &self,
        org: OrgId,
        id: crate::invoice::InvoiceId,
    ) -> StoreResult<Option<crate::invoice::Invoice>>;
    /// Agency Pay lines waiting for a PO #.
    async fn waiting_lines(&self, org: OrgId) -> StoreResult<Vec<crate::invoice::InvoiceLine>>;
    /// A cover's lines, wherever they are.
    async fn cover_lines(
        &self,
        org: OrgId,
        cover: crate::cover::CoverId,
    ) -> StoreResult<Vec<crate::invoice::InvoiceLine>>;
    /// Places waiting lines whose row now has a PO # on that PO's invoice; how many.
    async fn collect_waiting_lines(&self, org: OrgId) -> StoreResult<u64>;
    /// Records that an open (or sent) invoice was emailed to `to`; `None` when it is not one.
    async fn mark_invoice_sent(
        &self,
        org: OrgId,
        id: crate::invoice::InvoiceId,
        to: &str,
    ) -> StoreResult<Option<crate::invoice::InvoiceSummary>>;
    /// Records an open or sent invoice's payment.
    async fn mark_invoice_paid(
        &self,
        org: OrgId,
        id: crate::invoice::InvoiceId,
        by: &str,
    ) -> StoreResult<crate::invoice::PaidOutcome>;
}

/// The figures the database keeps by trigger (per campaign and status, per organization and
/// status, per problem) and the status the store copies into narrow tables, against the rows
/// they summarise (migrations/README.md).
/// The outbox of messages to creators: queued where the product decides them, claimed by one
/// worker of any instance, finished with their outcome.
/// Implemented in `store/sql/outreach.rs`.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queues messages of the organization; one whose `dedupe_key` is already queued or sent is
    /// skipped. Returns the ids of those queued, ascending.
    async fn queue_messages(
        &self,
        org: OrgId,
        messages: &[NewMessage],
    ) -> StoreResult<Vec<MessageId>>;
    /// The rows a person's Send names (those of the organization among `rows`), or with `None`
    /// every Synced row whose current link has never had a first message queued.
    async fn sendable_rows(
        &self,
        org: OrgId,
        rows: Option<&[ContractorId]>,
    ) -> StoreResult<Vec<SendableRow>>;
    /// Claims up to `max` messages due at `now` (and any whose claim ran out) for `holder` until
    /// `until`; each claim counts as an attempt. No two holders get the same message.
    async fn claim_due_messages(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        max: u32,
    ) -> StoreResult<Vec<OutreachMessage>>;
    /// Records how sending a message `holder` claimed ended; `false` when the claim is no
    /// longer `holder`'s (it ran out and another worker took it).
    async fn finish_message(
        &self,
        id: MessageId,
        holder: &str,
        outcome: &SendOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Cancels the row's queued messages with `reason`; returns how many.
    async fn cancel_messages(
        &self,
        org: OrgId,
        contractor: ContractorId,
        reason: StopReason,
    ) -> StoreResult<u64>;
    /// What sending `message` needs to know, as it is now; `None` when its link or row is gone.
    async fn message_context(
        &self,
        message: &OutreachMessage,
    ) -> StoreResult<Option<MessageContext>>;
    /// The creator's "stop reminders" on the link `token` names: recorded, and its queued
    /// messages cancelled (how many); `None` for a token that names no link.
    async fn stop_reminders(&self, token: &LinkToken) -> StoreResult<Option<u64>>;
    /// The organization's outreach settings (all unset until an admin saves them).
    async fn outreach_settings(&self, org: OrgId) -> StoreResult<OutreachSettingsRecord>;
    /// Each of `rows`' messages about its current link, in one line (rows without any are
    /// left out).
    async fn contact_summaries(
        &self,
        org: OrgId,
        rows: &[ContractorId],
    ) -> StoreResult<HashMap<ContractorId, ContactSummary>>;
    /// Per campaign: Synced rows, and of them those whose link was sent, opened, submitted.
    async fn outreach_funnel(&self, org: OrgId) -> StoreResult<Vec<FunnelRow>>;
    /// Where the organization's messages with ids `first..=last` queued by `by` are.
    async fn message_progress(
        &self,
        org: OrgId,
        first: MessageId,
        last: MessageId,
        by: &str,
    ) -> StoreResult<MessageProgress>;
    async fn save_outreach_settings(
        &self,
        org: OrgId,
        settings: &OutreachSettingsRecord,
    ) -> StoreResult<()>;
    /// Every message of a row, oldest first.
    async fn row_messages(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<OutreachMessage>>;
}

/// Implemented in `store/sql/counts.rs`.
#[async_trait]
pub trait Counts: Send + Sync {
    /// Every kept figure of the organization that differs from its rows; empty when all agree.
    async fn count_drift(&self, org: OrgId) -> StoreResult<Vec<CountDrift>>;
    /// Rebuilds the organization's kept figures from its rows in one transaction; returns what
    /// differed before.
    async fn recount(&self, org: OrgId) -> StoreResult<Vec<CountDrift>>;
}

/// Implemented next to each backend (`store/sqlite/mod.rs`, `store/postgres/mod.rs`): see
/// [`super::live`].
pub trait LiveChanges: Send + Sync {
    /// Every change committed from now on, by any writer (on PostgreSQL, by any instance).
    fn changes(&self) -> tokio::sync::broadcast::Receiver<super::live::Change>;
}
