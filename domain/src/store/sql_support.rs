//! Helpers of the SQL shared by both backends (`store/sql/`), independent of the database.

use std::future::Future;

use sqlx::{Database, Row, Transaction};

use super::{ContractorStatus, OrgId, StoreError, StoreResult};

/// What differs between the two backends, for the SQL modules both compile (`store/sql/`):
/// each backend implements it for its store, and the shared modules reach their backend only
/// through it (`ThisStore::begin(pool)`) and the type aliases each backend derives from it
/// (`Pool`, `Conn`, `DbRow`, `Db`, `JsonColumn`).
pub(super) trait Dialect {
    type Db: Database;
    /// How a JSON column is bound and read: text on SQLite, `jsonb` on PostgreSQL.
    type JsonColumn;
    /// What a claim of queue rows adds so concurrent claimers skip each other's rows.
    const SKIP_LOCKED: &'static str;
    /// `LIMIT` without a limit.
    const LIMIT_ALL: &'static str;
    /// Appended to a search's subquery of matching ids so that it drives the query: a
    /// PostgreSQL subquery with `OFFSET 0` is planned on its own. (SQLite keeps a `CROSS JOIN`'s
    /// order already.)
    const DRIVING_SUBQUERY: &'static str;
    /// Whether a search finds campaigns by name inside its queries (PostgreSQL: from the
    /// campaign names' trigram index, migration 0033) rather than in a lookup before them
    /// (SQLite: a scan of the organization's campaigns, done once per page).
    const CAMPAIGN_SEARCH_IN_QUERY: bool;

    /// A transaction that writes.
    fn begin(
        pool: &sqlx::Pool<Self::Db>,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
    /// A transaction that writes one campaign's sync, whose commit may return before the disk
    /// has it ([`super::Durability::Relaxed`]).
    fn begin_sync_write(
        pool: &sqlx::Pool<Self::Db>,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
    /// After a run that wrote many rows: brings the planner's statistics up to date.
    fn refresh_statistics(
        pool: &sqlx::Pool<Self::Db>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Makes the writers of one organization wait for each other until the transaction ends.
    fn lock_organization(
        conn: &mut <Self::Db as Database>::Connection,
        org: OrgId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The contractors search by name and email: a `SELECT` of the organization's (`$1`)
    /// matching row ids (with `$param`), and the value to bind.
    fn search_condition(search: &str, param: usize) -> SearchCondition;
    /// A value for a JSON column.
    fn json<T: serde::Serialize>(value: &T) -> StoreResult<Self::JsonColumn>;
    /// A JSON column's value as `T`; `what` names it in the error.
    fn from_json<T: serde::de::DeserializeOwned>(
        value: Self::JsonColumn,
        what: &str,
    ) -> StoreResult<T>;
}

/// A non-negative count column (negative or damaged values read as 0).
pub(super) fn u<R>(r: &R, col: &str) -> u64
where
    R: Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    u64::try_from(r.get::<i64, _>(col)).unwrap_or(0)
}

pub(super) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

/// A value stored as JSON text on both backends: a row's CreatorIQ fields, which no query looks
/// inside (PostgreSQL's jsonb spent 768 bytes a row on them, twice the text).
pub(super) fn json_text<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| corrupt(format!("encoding JSON: {e}")))
}

pub(super) fn from_json_text<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("{what}: {e}")))
}

pub(super) fn status_of(text: &str) -> StoreResult<ContractorStatus> {
    ContractorStatus::parse(text).ok_or_else(|| corrupt(format!("contractor status {text:?}")))
}

/// Sign-in throttle subjects are stored hashed: what people type into the email box is
/// sometimes their password.
pub(super) fn subject_key(subject: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(subject.as_bytes()))
}

pub(super) fn conflict(err: sqlx::Error, what: &'static str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(err),
    }
}

/// How a backend finds the rows whose name or email holds a search term, through its text
/// index, with the value bound to its parameter.
pub(crate) struct SearchCondition {
    /// `SELECT <id> AS id FROM ...`: the matching rows of the organization `$1`.
    pub ids: String,
    pub value: String,
}
