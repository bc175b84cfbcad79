//! Every page and server function needs a signed-in session, except sign-in itself, the
//! creators' public `/apply/...` pages and static assets. Checked once here, before Leptos.

use app::ssr::{ServerContext, SignedIn};
use axum::extract::{Request, State};
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
        || path.starts_with("/welcome/")
        || path.starts_with("/api/welcome/")
        || path.starts_with("/pkg/")
}

/// Checks the session and hands the signed-in member on to the handler ([`SignedIn`]).
pub async fn require_session(
    State(ctx): State<ServerContext>,
    session: Session,
    mut req: Request,
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
    let member = match app::ssr::AuthSession::new(session)
        .member(ctx.store.as_ref(), ctx.session_max_age)
        .await
    {
        Ok(m) => m,
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            )
                .into_response()
        }
    };
    let signed_in = member.is_some();
    if signed_in && path == "/login" {
        return Redirect::to("/").into_response();
    }
    if let Some(member) = member {
        req.extensions_mut().insert(SignedIn(member));
        return next.run(req).await;
    }
    if public {
        return next.run(req).await;
    }
    // Server functions and the event stream are read by code, not people: no sign-in page.
    if path.starts_with("/api/") || path == "/events" {
        (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}
