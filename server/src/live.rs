//! `GET /events`: server-sent events that tell a signed-in member's open page when their
//! organization's data changed (`event: change`, `data: contractors runs`), so the page reads
//! it again in place. The events carry topics only, never data: the page reads through its
//! usual, authorized server functions.
//!
//! - One stream per open tab; a member has at most [`STREAMS_PER_MEMBER`] at once (429 past
//!   that). Idle, a stream costs a parked task and a comment line every 20 s.
//! - Changes arriving together are sent as one event, [`GATHER`] after the first.
//! - Only members signed in to the organization hear of its changes. Every
//!   [`SESSION_CHECK`] the stream checks that its session still stands (not signed out, not
//!   expired, the password unchanged, the member not removed) and ends with
//!   `event: signed-out` when it does not.
//! - The browser's EventSource reconnects by itself; the page then reads everything again, as
//!   changes may have passed meanwhile.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::ssr::{ServerContext, SignedIn};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chrono::Utc;
use domain::store::live::Change;
use domain::store::LiveTopic;
use domain::store::{Member, MemberId, SessionRecords};
use http::StatusCode;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tower_sessions::Session;

/// Streams one member may hold open at once (one per tab).
pub const STREAMS_PER_MEMBER: usize = 12;
/// How long changes are gathered into one event after the first.
const GATHER: Duration = Duration::from_millis(250);
/// How often a stream checks its session still stands.
const SESSION_CHECK: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Live {
    ctx: ServerContext,
    sessions: Arc<dyn SessionRecords>,
    open: Arc<Mutex<HashMap<MemberId, usize>>>,
    draining: CancellationToken,
}

/// One of a member's stream slots, given back when the stream ends.
struct Slot {
    open: Arc<Mutex<HashMap<MemberId, usize>>>,
    member: MemberId,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.member) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.member);
            }
        }
    }
}

impl Live {
    fn slot(&self, member: MemberId) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(member).or_insert(0);
        if *n >= STREAMS_PER_MEMBER {
            return None;
        }
        *n += 1;
        Some(Slot {
            open: self.open.clone(),
            member,
        })
    }
}

/// `draining` is cancelled when the server begins to shut down: every stream ends then (the
/// browser reconnects to another instance, or to this one once it is back).
pub fn routes<S: Clone + Send + Sync + 'static>(
    ctx: ServerContext,
    sessions: Arc<dyn SessionRecords>,
    draining: CancellationToken,
) -> Router<S> {
    Router::new()
        .route("/events", get(events))
        .with_state(Live {
            ctx,
            sessions,
            open: Arc::default(),
            draining,
        })
}

async fn events(
    State(live): State<Live>,
    signed_in: Option<Extension<SignedIn>>,
    session: Session,
) -> Response {
    // The sign-in guard lets no one without a session this far; this is its second lock.
    let (Some(Extension(SignedIn(member))), Some(session_id)) = (signed_in, session.id()) else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let Some(slot) = live.slot(member.id) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many pages are following changes for this member; close some tabs.",
        )
            .into_response();
    };
    let (tx, rx) = mpsc::channel::<Event>(8);
    let changes = live.ctx.store.changes();
    tokio::spawn(follow(
        live,
        member,
        session_id.to_string(),
        changes,
        tx,
        slot,
    ));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx))
    });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response();
    // Not stored by caches, not buffered by proxies that honour the header.
    let headers = response.headers_mut();
    headers.insert(http::header::CACHE_CONTROL, "no-store".parse().unwrap());
    headers.insert("x-accel-buffering", "no".parse().unwrap());
    response
}

/// Feeds one stream until the browser goes away or the session ends.
async fn follow(
    live: Live,
    member: Member,
    session_id: String,
    mut changes: tokio::sync::broadcast::Receiver<Change>,
    tx: mpsc::Sender<Event>,
    _slot: Slot,
) {
    let org = member.org_id;
    let mut pending: BTreeSet<LiveTopic> = BTreeSet::new();
    let mut send_at = tokio::time::Instant::now();
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.tick().await;
    loop {
        tokio::select! {
            _ = tx.closed() => return,
            _ = live.draining.cancelled() => return,
            received = changes.recv() => {
                let topics: Vec<LiveTopic> = match received {
                    Ok(change) if change.org.is_none_or(|o| o == org) => vec![change.topic],
                    Ok(_) => continue,
                    // Too slow to keep up: some changes were missed, so read everything.
                    Err(RecvError::Lagged(_)) => LiveTopic::ALL.to_vec(),
                    Err(RecvError::Closed) => return,
                };
                if pending.is_empty() {
                    send_at = tokio::time::Instant::now() + GATHER;
                }
                pending.extend(topics);
            }
            _ = tokio::time::sleep_until(send_at), if !pending.is_empty() => {
                let data: Vec<&str> = pending.iter().map(|t| t.as_str()).collect();
                pending.clear();
                if tx.send(Event::default().event("change").data(data.join(" "))).await.is_err() {
                    return;
                }
            }
            _ = check.tick() => {
                if !still_signed_in(&live, &member, &session_id).await {
                    let _ = tx.send(Event::default().event("signed-out").data("")).await;
                    return;
                }
            }
        }
    }
}

/// Whether the stream's session still stands: not signed out or expired, and its member still
/// there with the same password. A database error keeps the stream (the next check decides).
async fn still_signed_in(live: &Live, member: &Member, session_id: &str) -> bool {
    match live.sessions.load_session(session_id, Utc::now()).await {
        Ok(None) => return false,
        Ok(Some(_)) => {}
        Err(error) => {
            tracing::warn!(%error, "could not check a live stream's session");
            return true;
        }
    }
    match live.ctx.store.member(member.id).await {
        Ok(Some(now)) => {
            now.session_generation == member.session_generation
                && now.session_key == member.session_key
        }
        Ok(None) => false,
        Err(error) => {
            tracing::warn!(%error, "could not check a live stream's member");
            true
        }
    }
}
