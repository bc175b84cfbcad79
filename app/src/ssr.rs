//! Server-only plumbing shared by the server functions: the services they are given through
//! context, the typed session wrapper, the audit log writer and the client's address.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::Utc;
use domain::store::{Actor, AuditAction, Member, MemberId, NewAuditEvent, Store};
use domain::sync::SyncEngine;
use leptos::prelude::*;
use tower_sessions::Session;

use crate::error::{AppError, Context};

/// Everything server functions need, provided once per request by the server.
#[derive(Clone)]
pub struct ServerContext {
    pub store: Arc<dyn Store>,
    /// Runs syncs; holds the master key that opens stored CreatorIQ keys.
    pub engine: Arc<SyncEngine>,
    /// How people reach the dashboard, e.g. `https://cover.example.com`; application links
    /// are built from it.
    pub public_base_url: String,
    /// How long a session lasts from sign-in, however active it is.
    pub session_max_age: std::time::Duration,
    /// Proxies whose `X-Forwarded-For` is believed (none by default).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
}

pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| AppError::internal("server context missing", ()))
}

/// The member id a session is signed in as (the session store also files the session under it).
pub const MEMBER_KEY: &str = "member_id";
/// The member's session key ([`domain::store::SessionKey`]) when this session signed in.
const MEMBER_SESSION_KEY: &str = "member_key";
/// The member's session generation when this session signed in.
const GENERATION_KEY: &str = "generation";
/// Unix milliseconds of the sign-in, for the absolute lifetime.
const SIGNED_IN_AT_KEY: &str = "signed_in_at_ms";

/// The signed-in part of a session, typed.
pub struct AuthSession(Session);

impl AuthSession {
    pub async fn from_request() -> Result<Self, AppError> {
        let session: Session = leptos_axum::extract()
            .await
            .context("session layer missing")?;
        Ok(Self(session))
    }

    pub fn new(session: Session) -> Self {
        Self(session)
    }

    /// The member id the session claims; [`AuthSession::member`] checks it is still good.
    pub async fn member_id(&self) -> Option<MemberId> {
        self.0
            .get::<i64>(MEMBER_KEY)
            .await
            .ok()
            .flatten()
            .map(MemberId)
    }

    async fn number(&self, key: &str) -> Option<i64> {
        self.0.get::<i64>(key).await.ok().flatten()
    }

    /// The signed-in member, if the session is still good: the member exists and is the one
    /// who signed in (their session key, which no other member has, whatever becomes of ids),
    /// their password has not changed since (the generation), and the session is younger than
    /// `max_age`. A session that is no longer good is ended.
    pub async fn member(
        &self,
        store: &dyn Store,
        max_age: std::time::Duration,
    ) -> Result<Option<Member>, AppError> {
        let Some(id) = self.member_id().await else {
            return Ok(None);
        };
        let member = store.member(id).await.context("loading member")?;
        let generation = self.number(GENERATION_KEY).await.unwrap_or(0);
        let key = self
            .0
            .get::<String>(MEMBER_SESSION_KEY)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        let age = Utc::now().timestamp_millis() - self.number(SIGNED_IN_AT_KEY).await.unwrap_or(0);
        let max_age = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
        match member {
            Some(m)
                if m.session_key.matches(&key)
                    && m.session_generation == generation
                    && (0..max_age).contains(&age) =>
            {
                Ok(Some(m))
            }
            _ => {
                self.sign_out().await?;
                Ok(None)
            }
        }
    }

    /// Starts a signed-in session under a fresh id so a pre-sign-in id can't be reused.
    pub async fn sign_in(&self, member: &Member) -> Result<(), AppError> {
        self.0.cycle_id().await.context("cycling session id")?;
        self.0
            .insert(SIGNED_IN_AT_KEY, Utc::now().timestamp_millis())
            .await
            .context("writing session")?;
        self.keep(member).await
    }

    /// Keeps this session signed in after the member's own password change moved their
    /// generation on (which ends their other sessions).
    pub async fn keep(&self, member: &Member) -> Result<(), AppError> {
        self.0
            .insert(GENERATION_KEY, member.session_generation)
            .await
            .context("writing session")?;
        self.0
            .insert(MEMBER_SESSION_KEY, member.session_key.expose())
            .await
            .context("writing session")?;
        self.0
            .insert(MEMBER_KEY, member.id.0)
            .await
            .context("writing session")
    }

    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.0.flush().await.context("flushing session")
    }
}

/// The member the sign-in guard found behind a request, after the whole session check; the
/// guard puts it in the request's extensions so nothing checks the session twice.
#[derive(Clone, Debug)]
pub struct SignedIn(pub Member);

/// The member behind the current request, or `Unauthenticated`.
pub async fn current_member() -> Result<Member, AppError> {
    if let Ok(axum::Extension(SignedIn(member))) =
        leptos_axum::extract::<axum::Extension<SignedIn>>().await
    {
        return Ok(member);
    }
    // Paths the guard lets through without a session (sign-in, the public pages).
    let session = AuthSession::from_request().await?;
    let ctx = server_context()?;
    session
        .member(ctx.store.as_ref(), ctx.session_max_age)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// An audit entry for `action` by `member`.
pub fn audit_by(member: &Member, action: AuditAction) -> NewAuditEvent {
    NewAuditEvent::new(
        member.org_id,
        Actor::member(member.id, &member.email),
        action,
    )
}

pub use domain::store::record_audit_or_log as record;

/// The client's address: the connection's peer, unless the peer is a trusted proxy, in which
/// case the nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address_of(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let trusted_ip = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !trusted_ip(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut client = peer;
    // Right to left: each proxy appended the address it received the request from.
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted_ip(&ip) {
                    break;
                }
            }
            // A hop that is not an address was not written by a proxy we trust.
            Err(_) => break,
        }
    }
    Some(client)
}

/// A request's client address from its parts (see [`client_address_of`]): the connection's
/// peer as axum recorded it, and `X-Forwarded-For` when the peer is a trusted proxy.
pub fn client_address_in(
    headers: &http::HeaderMap,
    extensions: &http::Extensions,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    client_address_of(peer, forwarded, trusted)
}

/// The current request's client address (see [`client_address_in`]).
pub async fn client_address() -> Option<IpAddr> {
    let parts: http::request::Parts = leptos_axum::extract().await.ok()?;
    let ctx = use_context::<ServerContext>();
    let trusted = ctx.as_ref().map(|c| &c.trusted_proxies[..]).unwrap_or(&[]);
    client_address_in(&parts.headers, &parts.extensions, trusted)
}

#[cfg(test)]
mod tests {
    use super::client_address_of;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse().ok();
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        // No trusted proxies (the default): the header is ignored.
        assert_eq!(
            client_address_of(ip("10.0.0.5"), Some("203.0.113.9"), &[]),
            ip("10.0.0.5")
        );
        // From an untrusted peer: ignored.
        assert_eq!(
            client_address_of(ip("198.51.100.7"), Some("203.0.113.9"), &trusted),
            ip("198.51.100.7")
        );
        // Through a trusted proxy: the nearest untrusted hop, not a spoofed first entry.
        assert_eq!(
            client_address_of(
                ip("10.0.0.5"),
                Some("1.2.3.4, 203.0.113.9, 10.0.0.9"),
                &trusted
            ),
            ip("203.0.113.9")
        );
        // Garbage in the header stops the walk at the last good hop.
        assert_eq!(
            client_address_of(ip("10.0.0.5"), Some("nonsense, 10.0.0.9"), &trusted),
            ip("10.0.0.9")
        );
        assert_eq!(
            client_address_of(ip("10.0.0.5"), None, &trusted),
            ip("10.0.0.5")
        );
    }
}
