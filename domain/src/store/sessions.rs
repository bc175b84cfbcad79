//! Where the dashboard's sessions are kept: one row per browser session, tied to its member
//! once signed in, so that removing a member deletes their sessions in the same transaction.
//! The server adapts this to its session library; the values themselves are opaque JSON here.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{MemberId, StoreResult};

/// A session as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The session id (what the cookie carries). Never printed.
    pub id: String,
    /// The signed-in member, if any.
    pub member: Option<MemberId>,
    /// The session's values, JSON.
    pub data: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRow")
            .field("member", &self.member)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait SessionRecords: Send + Sync + 'static {
    /// Stores a new session; false when its id is taken (the caller picks another).
    async fn create_session(&self, session: &SessionRow) -> StoreResult<bool>;
    /// Writes a session's values and expiry. A session naming a member who no longer exists is
    /// not written: a request that was in flight while its member was removed cannot bring the
    /// session back.
    async fn save_session(&self, session: &SessionRow) -> StoreResult<()>;
    /// The values and expiry of a session that has not expired at `now`.
    async fn load_session(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(String, DateTime<Utc>)>>;
    async fn delete_session(&self, id: &str) -> StoreResult<()>;
    /// Deletes every session expired at `now`; how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// How many sessions a member has (expired or not).
    async fn member_session_count(&self, member: MemberId) -> StoreResult<u64>;
}
