//! The embedded default store: one SQLite file in WAL mode. `SqliteStore` implements the role
//! traits ([`super::roles`]) through the SQL modules in `store/sql/`, shared with PostgreSQL,
//! one per role (each named below, each ending with its `impl`). What differs between the
//! backends (types, transactions, locking, search, JSON columns) is this file's
//! [`Dialect`] implementation.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc;

use super::sql_support::{
    conflict, corrupt, from_json_text, json_text, status_of, subject_key, u, Dialect,
    SearchCondition,
};
use super::*;

#[path = "../sql/alerts.rs"]
mod alerts;
#[path = "../sql/applications.rs"]
mod applications;
#[path = "../sql/audit.rs"]
mod audit;
#[path = "../sql/claims.rs"]
mod claims;
#[path = "../sql/contractors.rs"]
mod contractors;
#[path = "../sql/counts.rs"]
mod counts;
#[path = "../sql/covers.rs"]
mod covers;
#[path = "../sql/invoices.rs"]
mod invoices;
#[path = "../sql/links.rs"]
mod links;
#[path = "../sql/members.rs"]
mod members;
#[path = "../sql/organizations.rs"]
mod organizations;
#[path = "../sql/outreach.rs"]
mod outreach;
#[path = "../sql/runs.rs"]
mod runs;
#[path = "../sql/sessions.rs"]
mod sessions;
#[path = "../sql/settings.rs"]
mod settings;
#[path = "../sql/sync_writes.rs"]
mod sync_writes;
#[path = "../sql/webhooks.rs"]
mod webhooks;
/// The store these modules implement the role traits ([`super::roles`]) for.
type ThisStore = SqliteStore;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

// What the shared SQL modules (`store/sql/`) are compiled against here.
type Db = <ThisStore as Dialect>::Db;
type Pool = sqlx::Pool<Db>;
type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;
type JsonColumn = <ThisStore as Dialect>::JsonColumn;

impl Dialect for SqliteStore {
    type Db = sqlx::Sqlite;
    /// SQLite has no JSON type: every JSON column is text.
    type JsonColumn = String;
    /// SQLite's one writer at a time already serialises claims.
    const SKIP_LOCKED: &'static str = "";
    const LIMIT_ALL: &'static str = "LIMIT -1";
    const DRIVING_SUBQUERY: &'static str = "";
    const CAMPAIGN_SEARCH_IN_QUERY: bool = false;

    /// Every store transaction writes, so each begins `IMMEDIATE`: it takes SQLite's write lock
    /// up front and waits its turn (busy timeout), instead of reading first and failing at once
    /// when another connection (the lease heartbeat, the request counter) committed in between.
    async fn begin(pool: &Pool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// In WAL mode with `synchronous = NORMAL`, commits already skip the flush.
    async fn begin_sync_write(pool: &Pool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        Self::begin(pool).await
    }

    /// Nothing: SQLite's queries are written for a database without statistics (`+org_id`,
    /// `CROSS JOIN` orders), and `ANALYZE` could only change plans that are measured as they are.
    async fn refresh_statistics(_pool: &Pool) -> StoreResult<()> {
        Ok(())
    }

    /// An `IMMEDIATE` transaction already holds SQLite's only write lock: nothing more to take.
    async fn lock_organization(_conn: &mut Conn, _org: OrgId) -> StoreResult<()> {
        Ok(())
    }

    /// The FTS5 trigram index (migrations 0007 and 0018) for three characters or more, where a
    /// quoted phrase of trigrams is exactly a substring; a scan for shorter terms.
    fn search_condition(search: &str, param: usize) -> SearchCondition {
        if search.chars().count() >= 3 {
            // The FTS5 table's matches, so a search costs what it finds, not the
            // organization's size. An entry's rowid is its organization's id times 2^32 plus
            // the row's id: the rowid range reads this organization's matches only.
            SearchCondition {
                ids: format!(
                    "SELECT contractor_search.rowid - $1 * {ORG_ROWID_SPAN} AS id \
                     FROM contractor_search WHERE contractor_search MATCH ${param} \
                     AND contractor_search.rowid BETWEEN $1 * {ORG_ROWID_SPAN} \
                     AND $1 * {ORG_ROWID_SPAN} + {}",
                    ORG_ROWID_SPAN - 1
                ),
                value: format!("\"{}\"", search.replace('"', "\"\"")),
            }
        } else {
            SearchCondition {
                ids: format!(
                    "SELECT id FROM contractors WHERE org_id = $1 \
                     AND search_text LIKE ${param} ESCAPE '\\'"
                ),
                value: contractors::like_pattern(search),
            }
        }
    }

    fn json<T: serde::Serialize>(value: &T) -> StoreResult<JsonColumn> {
        json_text(value)
    }

    fn from_json<T: serde::de::DeserializeOwned>(text: JsonColumn, what: &str) -> StoreResult<T> {
        from_json_text(&text, what)
    }
}

impl LiveChanges for SqliteStore {
    fn changes(&self) -> tokio::sync::broadcast::Receiver<live::Change> {
        let receiver = self.feed.subscribe();
        self.commits.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            live::spawn_sqlite_resolver(self.pool.clone(), self.feed.clone(), rx);
            tx
        });
        receiver
    }
}

/// Search index rowids per organization (2^32): see migration 0018.
const ORG_ROWID_SPAN: i64 = 1 << 32;

/// The embedded default store: one SQLite file in WAL mode.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    feed: live::ChangeFeed,
    /// Where the connections' hooks send their commits, once someone follows changes.
    commits: Arc<OnceLock<mpsc::UnboundedSender<live::Pending>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or a plain path) and
    /// runs the migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() && !Path::new(parent).exists() {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(e.into()))?;
            }
        }
        // Created readable by its owner only (SQLite gives its `-wal` and `-shm` files the
        // same mode): it holds sealed keys, password hashes and sessions.
        let file = options.get_filename();
        if !file.as_os_str().is_empty() && file != Path::new(":memory:") {
            if file.exists() {
                crate::private_files::warn_if_readable_by_others(file, "the database file");
            } else {
                crate::private_files::create_private(file)
                    .map_err(|e| StoreError::Database(e.into()))?;
            }
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let commits: Arc<OnceLock<mpsc::UnboundedSender<live::Pending>>> = Arc::default();
        let hooks = commits.clone();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .after_connect(move |conn, _| {
                let hooks = hooks.clone();
                Box::pin(async move {
                    live::watch_sqlite(&mut conn.lock_handle().await?, hooks);
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            feed: live::ChangeFeed::default(),
            commits,
        })
    }

    /// The pool, for components that keep their own tables next to ours (the session store).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}
