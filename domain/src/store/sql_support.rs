//! Helpers of the SQL shared by both backends (`store/sql/`), independent of the database.

use super::{ContractorStatus, StoreError, StoreResult};

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

/// How a backend finds the rows a search names: the condition (and the table to drive the
/// query from, when its text index should lead), with the value bound to its parameter.
pub(crate) struct SearchCondition {
    /// Replaces `contractors k` in `FROM`, e.g. the full-text table joined to the rows.
    pub from: Option<String>,
    pub condition: String,
    pub value: String,
}
