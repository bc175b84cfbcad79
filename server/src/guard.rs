//! Every page and server function needs a signed-in session, except sign-in itself, the
//! creators' public `/apply/...` pages and static assets. Checked once here, before Leptos.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::store::Store;
use http::StatusCode;
use tower_sessions::Session;

fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/api/login"
        || path == "/health"
        || path == "/favicon.ico"
        || path.starts_with("/apply/")
        || path.starts_with("/api/apply")
        || path.starts_with("/welcome/")
        || path.starts_with("/api/welcome/")
        || path.starts_with("/pkg/")
}

/// What the guard needs to tell a good session from one that ended.
#[derive(Clone)]
pub struct GuardState {
    pub store: Arc<dyn Store>,
    pub session_max_age: std::time::Duration,
}

pub async fn require_session(
    State(state): State<GuardState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path == "/health" {
        return "ok".into_response();
    }
    let public = is_public(path);
    if public && path != "/login" {
        return next.run(req).await;
    }
    // The whole check (member still there, password unchanged since, session not past its
    // absolute lifetime), so an ended session is sent to sign in rather than shown a broken page.
    let signed_in = match app::ssr::AuthSession::new(session)
        .member(state.store.as_ref(), state.session_max_age)
        .await
    {
        Ok(m) => m.is_some(),
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            )
                .into_response()
        }
    };
    if path == "/" {
        return Redirect::to(if signed_in { "/contractors" } else { "/login" }).into_response();
    }
    if signed_in && path == "/login" {
        return Redirect::to("/contractors").into_response();
    }
    if signed_in || public {
        return next.run(req).await;
    }
    if path.starts_with("/api/") {
        (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}
