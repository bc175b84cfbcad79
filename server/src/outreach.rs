//! The creator's "stop reminders" link from a message (`/apply/{token}/stop-reminders`): a page
//! with one button, and the one-click POST of RFC 8058 that a mail client sends for
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. No sign-in: the link's token is the
//! creator's proof, as for the application page.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::links::LinkToken;
use domain::store::Store;
use http::StatusCode;

pub fn routes(store: Arc<dyn Store>) -> Router {
    Router::new()
        .route("/apply/{token}/stop-reminders", get(ask).post(stop))
        .with_state(store)
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/dashboard.css\"></head>\
         <body><main class=\"page narrow apply-page\"><h1>{title}</h1>{body}</main></body></html>"
    );
    (status, Html(html)).into_response()
}

fn unknown() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "This link is not known",
        "<p>Check that the whole address from the message was opened.</p>",
    )
}

/// The page the link in a message opens: what it does, and the button.
async fn ask(State(store): State<Arc<dyn Store>>, Path(token): Path<String>) -> Response {
    let Some(token) = LinkToken::parse(&token) else {
        return unknown();
    };
    match store.link_by_token(&token).await {
        Ok(Some(_)) => page(
            StatusCode::OK,
            "Stop reminders?",
            "<p>You will get no more reminders about this insurance application. The \
             application link itself keeps working.</p>\
             <form method=\"post\"><button type=\"submit\" class=\"primary\">Stop reminders\
             </button></form>",
        ),
        Ok(None) => unknown(),
        Err(err) => {
            tracing::error!(error = %err, "looking up a link for stop reminders");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "<p>Please try again in a moment.</p>",
            )
        }
    }
}

/// The button, or a mail client's one-click POST.
async fn stop(State(store): State<Arc<dyn Store>>, Path(token): Path<String>) -> Response {
    let Some(token) = LinkToken::parse(&token) else {
        return unknown();
    };
    match store.stop_reminders(&token).await {
        Ok(Some(cancelled)) => {
            tracing::info!(cancelled, "a creator stopped reminders");
            page(
                StatusCode::OK,
                "Reminders stopped",
                "<p>You will get no more reminders about this application. You can still \
                 open the application link from the message.</p>",
            )
        }
        Ok(None) => unknown(),
        Err(err) => {
            tracing::error!(error = %err, "stopping reminders");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "<p>Your request was not recorded. Please try again in a moment.</p>",
            )
        }
    }
}
