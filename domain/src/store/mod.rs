//! The persistence boundary. Everything the product stores goes through [`Store`], so a
//! PostgreSQL implementation can sit next to the SQLite one without touching callers.

mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use sqlite::SqliteStore;

/// Errors from the store. Callers show users a short message and log the cause chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrgId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MemberId(pub i64);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// May change settings.
    Admin,
    /// Reads and re-syncs.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// A member as the rest of the product sees it: never carries the password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub org_id: OrgId,
    pub org_name: String,
    pub email: String,
    pub role: Role,
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
}
