//! `POST /crm/v1/api/communication/send` (`sendMessageToPublisher`): a message to one creator.
//! CreatorIQ shows it in the creator's messages; the sandbox keeps it in an inbox
//! (`GET /_sandbox/messages`, [`crate::SandboxHandle::messages`]) so the demo and the tests can
//! show what each creator received.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{json_body, no_content, parse_id, ApiError};
use crate::guard::Caller;
use crate::{lock, read, AppState};

/// Messages kept (the oldest go first).
const KEPT: usize = 10_000;

/// One message a creator received.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SentMessage {
    /// 1 or 2: the partner whose key sent it.
    pub partner: u8,
    /// The creator's internal `Id` (`ToId`).
    pub publisher_id: u32,
    pub subject: Option<String>,
    pub content: String,
    pub at: DateTime<Utc>,
}

fn text(m: &serde_json::Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match m.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!("{name} must be a string"))),
    }
}

pub(crate) async fn send(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let m = json_body(&body)?;
    let content = text(&m, "MessageContent")?
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("MessageContent is required"))?;
    let subject = text(&m, "Subject")?;
    // The published schema types ToId as a string holding the publisher's id.
    let to = text(&m, "ToId")?.ok_or_else(|| ApiError::bad_request("ToId is required"))?;
    let publisher_id = parse_id(&to, "ToId")?;
    match m.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::Object(t)) => {
            text(t, "Email")?;
            text(t, "Message")?;
        }
        Some(_) => return Err(ApiError::bad_request("type must be an object")),
    }
    if read(&st.data).partners[caller.partner]
        .publisher(publisher_id)
        .is_none()
    {
        return Err(ApiError::unknown_publisher(publisher_id));
    }
    let mut inbox = lock(&st.inbox);
    if inbox.len() >= KEPT {
        inbox.pop_front();
    }
    inbox.push_back(SentMessage {
        partner: caller.partner as u8 + 1,
        publisher_id,
        subject,
        content,
        at: Utc::now(),
    });
    no_content()
}

/// `GET /_sandbox/messages[?publisher=ID]`: what creators received, oldest first.
pub(crate) async fn inbox(
    State(st): State<Arc<AppState>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let only: Option<u32> = q.get("publisher").and_then(|p| p.trim().parse().ok());
    let list: Vec<SentMessage> = lock(&st.inbox)
        .iter()
        .filter(|m| only.is_none_or(|p| m.publisher_id == p))
        .cloned()
        .collect();
    Json(list).into_response()
}
