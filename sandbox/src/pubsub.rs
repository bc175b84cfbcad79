//! CreatorIQ's pub/sub surface (`/pubsub/subscribe`, `/pubsub/subscriptions`,
//! `/pubsub/unsubscribe`) and webhook delivery.
//!
//! Deliveries follow CreatorIQ's documented scheme: a JSON envelope POSTed to the callback with
//! `x-timestamp`, `X-Signature` = MD5 hex and `X-Signature-SHA256` = SHA-256 hex of
//! (compact JSON of the body + x-timestamp + the subscribing API key) — a plain hash, not an
//! HMAC. A failed attempt (non-2xx or no answer) is retried twice, `webhook_retry_delay` apart.
//! The body is sent with object keys sorted, so re-serializing it compactly (in any language
//! that keeps or sorts key order) gives back exactly the signed bytes.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use crate::guard::Caller;
use crate::{lock, AppState, Subscription};

const ACTIONS: &[(&str, &[&str])] = &[
    (
        "Campaign",
        &["create", "delete", "update.latestpost", "payout.paid"],
    ),
    (
        "Publisher",
        &[
            "update",
            "delete",
            "account.linked",
            "account.linked.failed",
            "account.unlinked",
            "campaign.added",
        ],
    ),
    ("Onesheet", &["publish"]),
    ("List_2", &["publish"]),
    ("brand_safety", &["post_alert.created"]),
];

fn valid_pair(entity: &str, action: &str) -> bool {
    ACTIONS
        .iter()
        .any(|(e, acts)| *e == entity && (action == "*" || acts.contains(&action)))
}

/// One webhook delivery attempt, as logged by the sandbox (`GET /_sandbox/webhooks/deliveries`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebhookDelivery {
    /// The event's `requestId` (the same on every attempt).
    pub request_id: String,
    /// Callback URL.
    pub callback: String,
    /// `entityType` of the event.
    pub entity_type: String,
    /// `actionType` of the event.
    pub action_type: String,
    /// `entityId` of the event.
    pub entity_id: u32,
    /// 1, 2 or 3.
    pub attempt: u32,
    /// HTTP status the callback answered, if it answered.
    pub status: Option<u16>,
    /// Transport error, if any.
    pub error: Option<String>,
    /// Whether this attempt succeeded (2xx).
    pub delivered: bool,
    /// When the attempt was made (RFC 3339).
    pub at: String,
}

/// `X-Signature`: MD5 hex of `body + timestamp + api_key`.
pub fn signature_md5(body: &str, timestamp: &str, api_key: &str) -> String {
    let mut h = Md5::new();
    h.update(body.as_bytes());
    h.update(timestamp.as_bytes());
    h.update(api_key.as_bytes());
    hex::encode(h.finalize())
}

/// `X-Signature-SHA256`: SHA-256 hex of `body + timestamp + api_key`.
pub fn signature_sha256(body: &str, timestamp: &str, api_key: &str) -> String {
    let mut h = Sha256::new();
    h.update(body.as_bytes());
    h.update(timestamp.as_bytes());
    h.update(api_key.as_bytes());
    hex::encode(h.finalize())
}

/// Rebuilds objects with sorted keys (whatever serde_json's map ordering feature is).
fn canonical(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k, canonical(v));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// Sends `entityType`/`actionType` for `entity_id` to every matching subscription of the
/// partner. Returns how many deliveries were scheduled.
pub(crate) fn publish(
    st: &Arc<AppState>,
    partner: usize,
    entity_type: &str,
    action_type: &str,
    entity_id: u32,
    payload: Value,
) -> usize {
    let subs: Vec<Subscription> = lock(&st.subs)
        .iter()
        .filter(|s| {
            s.partner == partner
                && s.entity_type == entity_type
                && (s.action_type == action_type || s.action_type == "*")
                && s.entity_id.is_none_or(|id| id == f64::from(entity_id))
        })
        .cloned()
        .collect();
    if subs.is_empty() {
        return 0;
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return 0;
    };
    let partner_id = crate::data::PARTNER_IDS[partner];
    let n = st.event_seq.fetch_add(1, Ordering::SeqCst) + 1;
    let now = chrono::Utc::now();
    let token = &signature_md5(&format!("{n}:{entity_id}"), &now.to_rfc3339(), "")[..12];
    let count = subs.len();
    for (i, sub) in subs.into_iter().enumerate() {
        let request_id = format!("{partner_id}:{n}:{token}:{}", i + 1);
        let envelope = json!({
            "payload": payload,
            "sender": "CreatorIQ",
            "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "requestId": request_id,
            "partnerId": partner_id,
            "divisionId": null,
            "divisionName": null,
            "entityType": entity_type,
            "entityId": entity_id,
            "actionType": action_type,
        });
        let body = serde_json::to_string(&canonical(envelope)).unwrap_or_default();
        let st = st.clone();
        let meta = (
            request_id,
            entity_type.to_string(),
            action_type.to_string(),
            entity_id,
        );
        rt.spawn(deliver(st, sub, body, meta));
    }
    count
}

async fn deliver(
    st: Arc<AppState>,
    sub: Subscription,
    body: String,
    (request_id, entity_type, action_type, entity_id): (String, String, String, u32),
) {
    for attempt in 1..=3u32 {
        let ts = chrono::Utc::now().timestamp().to_string();
        let res = st
            .http
            .post(&sub.callback)
            .header("content-type", "application/json")
            .header("x-timestamp", &ts)
            .header("X-Signature", signature_md5(&body, &ts, &sub.api_key))
            .header(
                "X-Signature-SHA256",
                signature_sha256(&body, &ts, &sub.api_key),
            )
            .body(body.clone())
            .send()
            .await;
        let (status, error) = match &res {
            Ok(r) => (Some(r.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        lock(&st.counters).webhook_attempts += 1;
        {
            let mut log = lock(&st.deliveries);
            if log.len() >= 1000 {
                log.pop_front();
            }
            log.push_back(WebhookDelivery {
                request_id: request_id.clone(),
                callback: sub.callback.clone(),
                entity_type: entity_type.clone(),
                action_type: action_type.clone(),
                entity_id,
                attempt,
                status,
                error,
                delivered,
                at: chrono::Utc::now().to_rfc3339(),
            });
        }
        if delivered {
            return;
        }
        if attempt < 3 {
            tokio::time::sleep(st.config.webhook_retry_delay).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Subscription endpoints

fn envelope_error(
    status: StatusCode,
    entity: &str,
    action: &str,
    code: &str,
    msg: &str,
) -> Response {
    (
        status,
        Json(json!({
            "status": "error",
            "data": { "entityType": entity, "actionType": action, "message_code": code },
            "message": msg,
        })),
    )
        .into_response()
}

fn entity_id_of(v: Option<&Value>) -> Result<Option<f64>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse::<f64>().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

pub(crate) async fn subscribe(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return envelope_error(
                StatusCode::BAD_REQUEST,
                "",
                "",
                "Failed to subscribe",
                "Request body must be a JSON object with entityType, actionType and callback",
            )
        }
    };
    let entity = v.get("entityType").and_then(Value::as_str).unwrap_or("");
    let action = v.get("actionType").and_then(Value::as_str).unwrap_or("");
    if !valid_pair(entity, action) {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            entity,
            action,
            "Failed to subscribe",
            "Wrong entityType or actionType",
        );
    }
    let callback = v
        .get("callback")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    let url_ok = reqwest::Url::parse(callback)
        .map(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or(false);
    if !url_ok {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            entity,
            action,
            "Failed to subscribe",
            "callback must be an http(s) URL",
        );
    }
    let Ok(entity_id) = entity_id_of(v.get("entityId")) else {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            entity,
            action,
            "Failed to subscribe",
            "entityId must be a number or null",
        );
    };
    let mut subs = lock(&st.subs);
    let exists = subs.iter().any(|s| {
        s.partner == caller.partner
            && s.entity_type == entity
            && s.action_type == action
            && s.entity_id == entity_id
    });
    if exists {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            entity,
            action,
            "Failed to subscribe",
            "Subscription on the current event already exists!",
        );
    }
    subs.push(Subscription {
        partner: caller.partner,
        api_key: caller.key.clone(),
        entity_type: entity.to_string(),
        action_type: action.to_string(),
        entity_id,
        callback: callback.to_string(),
    });
    (
        StatusCode::CREATED,
        Json(json!({
            "status": "success",
            "data": { "entityType": entity, "actionType": action },
            "message": "Successfully subscribed",
        })),
    )
        .into_response()
}

pub(crate) async fn subscriptions(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let list: Vec<Value> = lock(&st.subs)
        .iter()
        .filter(|s| s.partner == caller.partner)
        .map(|s| {
            json!({
                "entityType": s.entity_type,
                "actionType": s.action_type,
                "callback": s.callback,
                "entityId": s.entity_id,
            })
        })
        .collect();
    Json(Value::Array(list)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct UnsubscribeQuery {
    #[serde(rename = "entityType", default)]
    entity_type: String,
    #[serde(rename = "actionType", default)]
    action_type: String,
    #[serde(rename = "entityId", default)]
    entity_id: Option<String>,
}

pub(crate) async fn unsubscribe(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<UnsubscribeQuery>,
) -> Response {
    let (entity, action) = (q.entity_type.as_str(), q.action_type.as_str());
    if !valid_pair(entity, action) {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            entity,
            action,
            "Failed to unsubscribe",
            "Wrong entityType or actionType",
        );
    }
    let Ok(entity_id) = entity_id_of(q.entity_id.map(Value::String).as_ref()) else {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            entity,
            action,
            "Failed to unsubscribe",
            "entityId must be a number",
        );
    };
    let mut subs = lock(&st.subs);
    let before = subs.len();
    subs.retain(|s| {
        !(s.partner == caller.partner
            && s.entity_type == entity
            && s.action_type == action
            && s.entity_id == entity_id)
    });
    if subs.len() == before {
        return envelope_error(
            StatusCode::NOT_FOUND,
            entity,
            action,
            "Subscription not found",
            "No subscription found for deletion",
        );
    }
    (
        StatusCode::CREATED,
        Json(json!({
            "status": "success",
            "data": { "entityType": entity, "actionType": action },
            "message": "Successfully unsubscribed",
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_keys_recursively() {
        let v = json!({"b": 1, "a": {"d": [ {"z": 1, "y": 2} ], "c": null}});
        let s = serde_json::to_string(&canonical(v)).unwrap();
        assert_eq!(s, r#"{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}"#);
    }

    #[test]
    fn signatures_are_plain_hashes() {
        // md5("{}" + "1" + "k") computed independently.
        assert_eq!(
            signature_md5("{}", "1", "k"),
            format!("{:x}", Md5::digest(b"{}1k"))
        );
        assert_eq!(signature_sha256("a", "b", "c").len(), 64);
    }
}
