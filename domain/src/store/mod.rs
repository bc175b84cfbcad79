//! The persistence boundary. Everything the product stores goes through [`Store`], so a
//! PostgreSQL implementation can sit next to the SQLite one without touching callers.

mod compact;
pub mod migrate;
// Both backends compile the same SQL modules (`store/sql/`) against their own pool, connection
// and row types: one source for the queries, loaded once per backend on purpose.
mod access_records;
#[allow(clippy::duplicate_mod)]
mod postgres;
mod records;
mod sessions;
mod sql_support;
#[allow(clippy::duplicate_mod)]
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use access_records::*;
pub use postgres::PgStore;
pub use records::*;
pub use sessions::{SessionRecords, SessionRow};
pub use sqlite::SqliteStore;
pub use vocabulary::{ContractorSort, MemberId, OrgId, Role};

use crate::crypto::EncryptedSecret;
use crate::links::{LinkState, LinkToken};

/// Errors from the store. Callers show users a short message and log the cause chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} was not found")]
    NotFound(&'static str),
    /// The operation does not apply to the record in its current state.
    #[error("{0}")]
    Invalid(&'static str),
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// `DATABASE_URL` names no database this product can use.
    #[error("{0}")]
    UnknownDatabase(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The database `DATABASE_URL` names, by its scheme.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://path` (or `sqlite:path`): an embedded file, created if missing.
    Sqlite(String),
    /// `postgres://…` or `postgresql://…`: a server; the database must exist.
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(url) => write!(f, "Sqlite({url})"),
            DatabaseUrl::Postgres(_) => f.write_str("Postgres(••••)"),
        }
    }
}

impl DatabaseUrl {
    /// Reads a `DATABASE_URL`; anything but the two schemes is refused (it would otherwise be
    /// taken for a file name).
    pub fn parse(raw: &str) -> Result<DatabaseUrl, StoreError> {
        let url = raw.trim();
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(DatabaseUrl::Sqlite(url.to_string())),
            Some("postgres" | "postgresql") => Ok(DatabaseUrl::Postgres(url.to_string())),
            _ => {
                // Name the scheme only: the rest may hold a password.
                let shown = match scheme {
                    Some(s) if !s.is_empty() && s.len() <= 20 && !s.contains('/') => {
                        format!("a {s}: address")
                    }
                    _ => "an address without a scheme".to_string(),
                };
                Err(StoreError::UnknownDatabase(format!(
                    "DATABASE_URL must start with sqlite:// (an embedded file, e.g. \
                     sqlite://data/dashboard.db) or postgres:// (a PostgreSQL server, e.g. \
                     postgres://user@host/dbname); it is {shown}"
                )))
            }
        }
    }
}

/// A store opened from a [`DatabaseUrl`], with its concrete type for neighbours that keep their
/// own tables in the same database (the session store).
#[derive(Clone)]
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Database {
    /// Opens the database `url` names and runs its backend's migrations.
    pub async fn open(url: &DatabaseUrl) -> StoreResult<Database> {
        Ok(match url {
            DatabaseUrl::Sqlite(u) => Database::Sqlite(SqliteStore::open(u).await?),
            DatabaseUrl::Postgres(u) => Database::Postgres(PgStore::open(u).await?),
        })
    }

    /// The store, for everything that only needs [`Store`].
    pub fn store(&self) -> std::sync::Arc<dyn Store> {
        match self {
            Database::Sqlite(s) => std::sync::Arc::new(s.clone()),
            Database::Postgres(s) => std::sync::Arc::new(s.clone()),
        }
    }

    /// The dashboard's sessions, in the same database.
    pub fn sessions(&self) -> std::sync::Arc<dyn SessionRecords> {
        match self {
            Database::Sqlite(s) => std::sync::Arc::new(s.clone()),
            Database::Postgres(s) => std::sync::Arc::new(s.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// The public id in the organization's webhook callback URL: random, never the database id.
    pub webhook_id: String,
}

/// A member as the rest of the product sees it: never carries the password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub org_id: OrgId,
    pub org_name: String,
    pub email: String,
    pub role: Role,
    /// Moves on when the password changes; sessions signed in under an older one are refused.
    pub session_generation: i64,
    /// Kept in each of the member's sessions and compared on every request.
    pub session_key: SessionKey,
}

/// Random per member, kept in each of their sessions and compared on every request, so a
/// session can only ever be the member it signed in as, whatever becomes of ids. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey(String);

impl SessionKey {
    /// 128 random bits, hex.
    pub fn random() -> SessionKey {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SessionKey(hex::encode(bytes))
    }

    pub fn from_stored(key: String) -> SessionKey {
        SessionKey(key)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether a session's copy is this key (in constant time).
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == presented.len() && bool::from(self.0.as_bytes().ct_eq(presented.as_bytes()))
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(••••)")
    }
}

/// What sign-in needs and nothing else leaves the auth module with.
#[derive(Clone)]
pub struct MemberCredentials {
    pub id: MemberId,
    pub password_hash: String,
}

impl std::fmt::Debug for MemberCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberCredentials")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn create_organization(&self, slug: &str, name: &str) -> StoreResult<Organization>;
    async fn organization_by_slug(&self, slug: &str) -> StoreResult<Option<Organization>>;
    /// Every organization's slug, alphabetically.
    async fn organization_slugs(&self) -> StoreResult<Vec<String>>;
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
    async fn organization(&self, id: OrgId) -> StoreResult<Option<Organization>>;
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

    // --- Audit log -----------------------------------------------------------------------------

    /// Appends an entry to the organization's audit log.
    async fn record_audit(&self, event: &NewAuditEvent) -> StoreResult<()>;
    /// Entries newest first under `filter`, up to `limit`, and how many match in all.
    async fn audit_events(
        &self,
        org: OrgId,
        filter: &AuditFilter,
        limit: u32,
    ) -> StoreResult<(Vec<AuditEvent>, u64)>;
    /// The organization a webhook callback URL names.
    async fn organization_by_webhook_id(
        &self,
        webhook_id: &str,
    ) -> StoreResult<Option<Organization>>;

    // --- CreatorIQ settings ------------------------------------------------------------------

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

    // --- Scheduled sync ---------------------------------------------------------------------

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

    // --- Webhook deliveries -----------------------------------------------------------------

    /// Logs a delivery; a verified one is queued unless its `requestId` was seen (a replay).
    /// A refused one is logged only while the organization has logged fewer than
    /// [`REJECTED_DELIVERIES_PER_MINUTE`] refused deliveries in the minute before it.
    async fn record_webhook_delivery(
        &self,
        delivery: &NewDelivery,
    ) -> StoreResult<RecordedDelivery>;
    /// Deletes refused deliveries of every organization received before `before`; how many.
    async fn prune_rejected_deliveries(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Gives the organization a new random webhook id (so a new callback URL): the old one
    /// is unknown from now on. Returns the new id.
    async fn rotate_webhook_id(&self, org: OrgId) -> StoreResult<String>;
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

    // --- Alerts --------------------------------------------------------------------------------

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
    /// Marks one campaign's rows removed (CreatorIQ deleted it).
    async fn remove_campaign(
        &self,
        org: OrgId,
        run: SyncRunId,
        ciq_campaign_id: i64,
    ) -> StoreResult<ApplyOutcome>;

    // --- Sync runs and the per-organization lease ----------------------------------------------

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

    // --- Sync writes -----------------------------------------------------------------------------

    /// Writes one campaign's rows, links, removals and history in one transaction.
    async fn apply_campaign_sync(
        &self,
        org: OrgId,
        run: SyncRunId,
        sync: &CampaignSync,
    ) -> StoreResult<ApplyOutcome>;
    /// A campaign's fetch failed: marks the campaign and its live rows `error` with the reason,
    /// keeping their data and links. Returns the number of rows marked.
    async fn record_campaign_failure(
        &self,
        org: OrgId,
        run: SyncRunId,
        campaign: &CampaignRecord,
        failure: &SyncFailure,
    ) -> StoreResult<u64>;
    /// A single row could not be read: marks it `error`, keeping its data and link.
    async fn record_row_failure(
        &self,
        org: OrgId,
        run: SyncRunId,
        contractor: ContractorId,
        failure: &SyncFailure,
    ) -> StoreResult<()>;
    /// Campaigns missing from a complete campaign list: their rows become `removed` and their
    /// links expire. Returns the per-status counts of the rows it changed.
    async fn remove_missing_campaigns(
        &self,
        org: OrgId,
        run: SyncRunId,
        present: &[i64],
    ) -> StoreResult<ApplyOutcome>;

    // --- Contractor reads ------------------------------------------------------------------------

    async fn contractor(&self, org: OrgId, id: ContractorId) -> StoreResult<Option<Contractor>>;
    async fn contractor_by_ciq_ids(
        &self,
        org: OrgId,
        ciq_campaign_id: i64,
        ciq_publisher_id: i64,
    ) -> StoreResult<Option<Contractor>>;
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

    // --- Application links ----------------------------------------------------------------------

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
    /// Replaces a `synced` row's link on an operator's request.
    async fn regenerate_link(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<ApplicationLink>;
    /// The public application page's lookup. The token is the only key: it is the capability
    /// the creator was given, and the answer carries its organization.
    async fn link_by_token(&self, token: &LinkToken) -> StoreResult<Option<PublicLink>>;
    /// `active` -> `opened`; other states unchanged. Returns the link's state afterwards.
    async fn mark_link_opened(&self, token: &LinkToken) -> StoreResult<Option<LinkState>>;
    /// `active`/`opened` -> `submitted`, for the current link only.
    async fn mark_link_submitted(&self, token: &LinkToken) -> StoreResult<Option<LinkState>>;

    // --- Contractors pages ---

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
    /// Rows needing attention per problem and campaign (synced, removed, exempt and
    /// not-accepted rows need no fix): the overview's "what to fix".
    async fn problem_counts(&self, org: OrgId) -> StoreResult<Vec<ProblemCount>>;

    // --- Settings and runs pages ---

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
    /// Forgets one attempt recorded by [`Store::record_login_failure`] at `at` (an attempt is
    /// counted before its password is checked; one that succeeded does not count).
    async fn forget_login_attempt(&self, subjects: &[String], at: DateTime<Utc>)
        -> StoreResult<()>;
}

// --- Contractors pages ---

/// Which contractor rows a list, a count or an export covers. `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractorFilter {
    pub status: Option<ContractorStatus>,
    pub campaign: Option<i64>,
    /// Found case-insensitively anywhere in the creator's name or email.
    pub search: Option<String>,
    /// Rows carrying this problem: a rule code (`missing_po_contact_email`) or a warning code.
    pub rule: Option<String>,
}

/// Rows of one campaign and status carrying one problem (a rule or warning code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemCount {
    pub code: String,
    pub ciq_campaign_id: i64,
    pub status: ContractorStatus,
    pub rows: u64,
}

/// A page of the contractors list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractorPageRequest {
    pub filter: ContractorFilter,
    pub sort: ContractorSort,
    pub descending: bool,
    pub offset: u64,
    /// `None` returns every matching row (the CSV export).
    pub limit: Option<u32>,
}

/// A row's current application link, as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkSummary {
    pub token: LinkToken,
    pub state: LinkState,
    pub opened_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContractorListRow {
    pub contractor: ContractorListItem,
    pub link: Option<LinkSummary>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContractorPage {
    pub rows: Vec<ContractorListRow>,
    /// Rows matching the filter across all pages.
    pub total: u64,
}

/// A campaign the organization has contractor rows for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignOption {
    pub ciq_campaign_id: i64,
    pub name: Option<String>,
}

#[cfg(test)]
mod database_url_tests {
    use super::*;

    #[test]
    fn schemes_choose_the_backend_and_anything_else_is_refused() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite://data/dashboard.db"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgres://app:pw@db/cover"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://db/cover"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        for bad in [
            "mysql://app:hunter2@db/x",
            "data/dashboard.db",
            "",
            "postgres",
        ] {
            let err = DatabaseUrl::parse(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("DATABASE_URL must start with sqlite://"),
                "{err}"
            );
            assert!(!err.contains("hunter2"), "{err}");
        }
        let shown = format!(
            "{:?}",
            DatabaseUrl::parse("postgres://app:pw@db/x").unwrap()
        );
        assert!(!shown.contains("pw@"), "{shown}");
    }
}
