//! Every page and server function needs a signed-in session, except sign-in itself, the
//! creators' public `/apply/...` pages and static assets. Checked once here, before Leptos.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use tower_sessions::Session;

fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/api/login"
        || path == "/health"
        || path == "/favicon.ico"
        || path.starts_with("/apply/")
        || path.starts_with("/api/apply")
        || path.starts_with("/pkg/")
}

pub async fn require_session(session: Session, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/health" {
        return "ok".into_response();
    }
    let signed_in = app::ssr::AuthSession::new(session)
        .member_id()
        .await
        .is_some();
    if path == "/" {
        return Redirect::to(if signed_in { "/contractors" } else { "/login" }).into_response();
    }
    if signed_in && path == "/login" {
        return Redirect::to("/contractors").into_response();
    }
    if signed_in || is_public(path) {
        return next.run(req).await;
    }
    if path.starts_with("/api/") {
        (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}
