//! The store at scale: PostgreSQL, shared by any number of server instances. `PgStore`
//! implements the role traits ([`super::roles`]) through the same SQL modules as SQLite
//! (`store/sql/`, each named below); what differs is this file's [`Dialect`] implementation.
//! Columns have real types (timestamptz, date, boolean, jsonb for rule results and run totals;
//! a row's CreatorIQ fields are JSON text, migration 0015); writes that must not interleave
//! across instances take a transaction-scoped advisory lock per organization.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::sync::{Arc, OnceLock};

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
type ThisStore = PgStore;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

// What the shared SQL modules (`store/sql/`) are compiled against here.
type Db = <ThisStore as Dialect>::Db;
type Pool = sqlx::Pool<Db>;
type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;
type JsonColumn = <ThisStore as Dialect>::JsonColumn;

impl Dialect for PgStore {
    type Db = sqlx::Postgres;
    /// JSON columns are `jsonb`.
    type JsonColumn = serde_json::Value;
    /// Concurrent claimers skip rows another transaction is claiming.
    const SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";
    const LIMIT_ALL: &'static str = "LIMIT ALL";
    const DRIVING_SUBQUERY: &'static str = " OFFSET 0";
    const CAMPAIGN_SEARCH_IN_QUERY: bool = true;

    async fn begin(pool: &Pool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        pool.begin().await
    }

    /// Its commit does not wait for the WAL flush: a crash of the database server can lose the
    /// last fraction of a second of sync writes (never part of one: PostgreSQL loses whole
    /// transactions, newest first), and the next run reads them from CreatorIQ again. A run of
    /// 2,000 campaigns no longer waits for 2,000 flushes.
    async fn begin_sync_write(pool: &Pool) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("SET LOCAL synchronous_commit TO OFF")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// `ANALYZE` of the tables a sync fills. Without it, where autovacuum is off or has not come
    /// round yet, the planner keeps the sizes it saw when the tables were empty, and the
    /// statements each pooled connection has prepared keep the plans made then: after a first
    /// sync of 106,178 rows, an unchanged re-run took over ten minutes instead of seconds.
    /// `ANALYZE` also makes those connections plan again.
    async fn refresh_statistics(pool: &Pool) -> StoreResult<()> {
        sqlx::query(
            "ANALYZE contractors, contractor_seen, application_links, contractor_problems, \
             contractor_counts, contractor_campaign_counts, contractor_problem_counts, campaigns",
        )
        .execute(pool)
        .await?;
        Ok(())
    }

    /// A transaction-scoped advisory lock keyed by the organization id: every instance's
    /// writers of one organization wait for each other.
    async fn lock_organization(conn: &mut Conn, org: OrgId) -> StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(org.0)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// `LIKE '%term%'`, served by the pg_trgm GIN index of migration 0004 for terms of three
    /// characters or more.
    fn search_condition(search: &str, param: usize) -> SearchCondition {
        SearchCondition {
            ids: format!(
                "SELECT id FROM contractors WHERE org_id = $1 \
                 AND search_text LIKE ${param} ESCAPE '\\'"
            ),
            value: contractors::like_pattern(search),
        }
    }

    fn json<T: serde::Serialize>(value: &T) -> StoreResult<JsonColumn> {
        serde_json::to_value(value).map_err(|e| corrupt(format!("encoding JSON: {e}")))
    }

    fn from_json<T: serde::de::DeserializeOwned>(value: JsonColumn, what: &str) -> StoreResult<T> {
        serde_json::from_value(value).map_err(|e| corrupt(format!("{what}: {e}")))
    }
}

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    feed: live::ChangeFeed,
    /// Set once the listener runs (on the first follower).
    listening: Arc<OnceLock<()>>,
}

impl LiveChanges for PgStore {
    fn changes(&self) -> tokio::sync::broadcast::Receiver<live::Change> {
        let receiver = self.feed.subscribe();
        self.listening
            .get_or_init(|| live::spawn_pg_listener(self.pool.clone(), self.feed.clone()));
        receiver
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host/db`; the database must exist)
    /// and runs the migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            feed: live::ChangeFeed::default(),
            listening: Arc::default(),
        })
    }

    /// The pool, for components that keep their own tables next to ours (the session store).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
