//! Server-only plumbing shared by the server functions: the services they are given through
//! context and the typed session wrapper.

use std::sync::Arc;

use domain::store::{Member, MemberId, Store};
use domain::sync::SyncEngine;
use leptos::prelude::*;
use tower_sessions::Session;

use crate::error::AppError;

/// Everything server functions need, provided once per request by the server.
#[derive(Clone)]
pub struct ServerContext {
    pub store: Arc<dyn Store>,
    /// Runs syncs; holds the master key that opens stored CreatorIQ keys.
    pub engine: Arc<SyncEngine>,
    /// How people reach the dashboard, e.g. `https://cover.example.com`; application links
    /// are built from it.
    pub public_base_url: String,
}

pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| AppError::internal("server context missing", ()))
}

const MEMBER_KEY: &str = "member_id";

/// The signed-in part of a session, typed.
pub struct AuthSession(Session);

impl AuthSession {
    pub async fn from_request() -> Result<Self, AppError> {
        let session: Session = leptos_axum::extract()
            .await
            .map_err(|e| AppError::internal("session layer missing", e))?;
        Ok(Self(session))
    }

    pub fn new(session: Session) -> Self {
        Self(session)
    }

    pub async fn member_id(&self) -> Option<MemberId> {
        self.0
            .get::<i64>(MEMBER_KEY)
            .await
            .ok()
            .flatten()
            .map(MemberId)
    }

    /// Starts a signed-in session under a fresh id so a pre-sign-in id can't be reused.
    pub async fn sign_in(&self, member: MemberId) -> Result<(), AppError> {
        self.0
            .cycle_id()
            .await
            .map_err(|e| AppError::internal("cycling session id", e))?;
        self.0
            .insert(MEMBER_KEY, member.0)
            .await
            .map_err(|e| AppError::internal("writing session", e))
    }

    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.0
            .flush()
            .await
            .map_err(|e| AppError::internal("flushing session", e))
    }
}

/// The member behind the current request, or `Unauthenticated`.
pub async fn current_member() -> Result<Member, AppError> {
    let session = AuthSession::from_request().await?;
    let id = session.member_id().await.ok_or(AppError::Unauthenticated)?;
    let ctx = server_context()?;
    ctx.store
        .member(id)
        .await
        .map_err(|e| AppError::internal("loading member", e))?
        .ok_or(AppError::Unauthenticated)
}
