//! The persistence boundary. Everything the product stores goes through [`Store`], so a
//! PostgreSQL implementation can sit next to the SQLite one without touching callers.

mod compact;
pub mod live;
pub mod migrate;
// Both backends compile the same SQL modules (`store/sql/`) against their own pool, connection
// and row types: one source for the queries, loaded once per backend on purpose.
mod access_records;
#[allow(clippy::duplicate_mod)]
mod postgres;
mod records;
pub mod roles;
mod sessions;
mod sql_support;
#[allow(clippy::duplicate_mod)]
mod sqlite;
mod write_plan;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use access_records::*;
pub use postgres::PgStore;
pub use records::*;
pub use roles::*;
pub use sessions::{SessionRecords, SessionRow};
pub use sqlite::SqliteStore;
pub use vocabulary::{ContractorSort, LiveTopic, MemberId, OrgId, Role};
pub use write_plan::{RowRef, StoredLink, StoredRow, Write, WritePlan};

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

/// A kept figure that differs from what the rows say (see [`Counts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountDrift {
    /// The table (or `table.column` for a copied status) holding the figure.
    pub kept: &'static str,
    /// Which figure: its key columns, space-separated.
    pub key: String,
    pub stored: i64,
    /// What the rows say (0 for a copied status: every stored figure is a difference).
    pub counted: i64,
}

/// How a [`WriteUnit`] commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Waits for the database to make the commit durable: an operator's action, removals.
    Full,
    /// May return before the commit reaches the disk (PostgreSQL; SQLite in WAL mode already
    /// does): one campaign's sync. A crash of the database server loses whole transactions,
    /// newest first, and the next run reads them from CreatorIQ again.
    Relaxed,
}

/// One transaction of writes (see [`SyncWrites::begin_writes`]): reads what the planner needs,
/// executes the plan it returns, commits. The organization and the run are the unit's own.
#[async_trait]
pub trait WriteUnit: Send {
    /// Waits until no other writer of this organization holds it (for writes spanning
    /// campaigns; a run's lease already keeps one campaign's writes apart).
    async fn lock_organization(&mut self) -> StoreResult<()>;
    /// The stored rows of a campaign, or of one creator on it.
    async fn stored_rows(
        &mut self,
        ciq_campaign_id: i64,
        only_publisher: Option<i64>,
    ) -> StoreResult<Vec<StoredRow>>;
    /// Locks one row for writing; returns its campaign and creator, `None` when the
    /// organization has no such row.
    async fn lock_row(&mut self, contractor: ContractorId) -> StoreResult<Option<(i64, i64)>>;
    /// The campaigns with rows that are not `removed`.
    async fn campaigns_with_live_rows(&mut self) -> StoreResult<Vec<i64>>;
    /// Executes a plan: writes of the same kind go out together, in an order that keeps every
    /// order the plan relies on.
    async fn execute(&mut self, plan: &WritePlan) -> StoreResult<()>;
    /// The row's current link as the transaction sees it.
    async fn current_link(
        &mut self,
        contractor: ContractorId,
    ) -> StoreResult<Option<ApplicationLink>>;
    /// The organization's outreach settings as the transaction sees them.
    async fn outreach_settings(&mut self) -> StoreResult<OutreachSettingsRecord>;
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// `Store` is every role at once, and anything that plays every role is a `Store`.
macro_rules! store_of_roles {
    ($($role:ident),+ $(,)?) => {
        /// Everything the product stores, as one object (`Arc<dyn Store>`): the role traits of
        /// [`roles`] together. Their methods are callable on a `dyn Store` without importing
        /// them.
        pub trait Store: $($role +)+ Send + Sync + 'static {}

        impl<T> Store for T where T: $($role +)+ Send + Sync + 'static {}
    };
}

store_of_roles!(
    LiveChanges,
    Organizations,
    Members,
    Invitations,
    LoginThrottle,
    AuditLog,
    CreatorIqSettings,
    Schedules,
    WebhookDeliveries,
    AlertRecords,
    SyncRuns,
    SyncWrites,
    ContractorReads,
    Links,
    Applications,
    Covers,
    Invoices,
    Outbox,
    Counts,
);

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
    /// Rows at this step of reaching their creator (about their current link).
    pub contact: Option<ContactStep>,
    /// Rows whose application is in this state ([`crate::application::row_state`]).
    pub application: Option<vocabulary::ApplicationState>,
    /// Rows whose cover reads this state on a day ([`crate::cover::read_cover`]).
    pub coverage: Option<CoverFilter>,
}

/// Rows whose cover reads `state` on `today`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoverFilter {
    pub state: vocabulary::CoverState,
    pub today: chrono::NaiveDate,
}

/// Rows needing attention that carry one problem (a rule or warning code), by code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemSummary {
    pub code: String,
    pub rows: u64,
    /// Campaigns with at least one such row.
    pub campaigns: u64,
    /// The campaigns with the most such rows, most first (then by CreatorIQ id).
    pub largest: Vec<ProblemCampaign>,
}

/// One campaign's rows with a problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemCampaign {
    pub ciq_campaign_id: i64,
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

impl ContractorPageRequest {
    /// The first `limit` rows in `status` (every one with `None`), by name.
    pub fn in_status(status: ContractorStatus, limit: Option<u32>) -> ContractorPageRequest {
        ContractorPageRequest {
            filter: ContractorFilter {
                status: Some(status),
                ..Default::default()
            },
            limit,
            ..Default::default()
        }
    }
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
    /// Where the row's application stands (`None`: it has no link and never had one applied
    /// through).
    pub application: Option<vocabulary::ApplicationState>,
    /// The step the current link's application reached.
    pub application_step: Option<vocabulary::ApplicationStep>,
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
