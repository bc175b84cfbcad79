//! What stands in front of every CreatorIQ path: request counting, `x-api-key` auth, the per-key
//! rate limit and injected faults.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde_json::json;

use crate::{lock, read, AppState};

/// The authenticated caller, available to handlers as an extension.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// Partner index (0 = partner 1).
    pub partner: usize,
    /// The key used (webhooks are signed with the subscribing key).
    pub key: String,
}

pub(crate) fn message(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "message": msg }))).into_response()
}

enum Fault {
    TooMany,
    ServerError,
    Timeout(Duration),
    Malformed,
}

/// The campaign id named in a path like `/crm/v1/api/campaign/{id}/...`.
fn campaign_in_path(path: &str) -> Option<u32> {
    let mut segs = path.split('/');
    while let Some(s) = segs.next() {
        if s == "campaign" {
            return segs.next().and_then(|id| id.parse().ok());
        }
    }
    None
}

pub(crate) async fn api_guard(
    State(st): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let endpoint = format!(
        "{} {}",
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_string())
            .unwrap_or_else(|| "unmatched".to_string())
    );
    let key = req
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let partner = key.as_ref().and_then(|k| st.keys.get(k).copied());
    let key_label = match (&key, partner) {
        (None, _) => "(missing)".to_string(),
        (Some(_), None) => "(unknown)".to_string(),
        (Some(k), Some(_)) => k.clone(),
    };
    {
        // Counted up front so that requests a client gives up on still show.
        let mut c = lock(&st.counters);
        c.total += 1;
        *c.by_endpoint.entry(endpoint.clone()).or_default() += 1;
        let k = c.by_key.entry(key_label.clone()).or_default();
        k.total += 1;
        *k.by_endpoint.entry(endpoint).or_default() += 1;
    }
    let resp = guarded(&st, req, next, key, partner).await;
    let status = resp.status().as_u16().to_string();
    let mut c = lock(&st.counters);
    *c.by_status.entry(status.clone()).or_default() += 1;
    *c.by_key
        .entry(key_label)
        .or_default()
        .by_status
        .entry(status)
        .or_default() += 1;
    resp
}

async fn guarded(
    st: &Arc<AppState>,
    mut req: Request,
    next: Next,
    key: Option<String>,
    partner: Option<usize>,
) -> Response {
    let Some(key) = key else {
        return message(StatusCode::FORBIDDEN, "Forbidden");
    };
    let Some(partner) = partner else {
        return message(StatusCode::UNAUTHORIZED, "Unauthorized");
    };
    let limiter = read(&st.limiter).clone();
    if let Some(limiter) = limiter {
        if limiter.check_key(&key).is_err() {
            return message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
        }
    }

    let faults = lock(&st.faults).clone();
    let targeted = match faults.campaign_id {
        Some(id) => campaign_in_path(req.uri().path()) == Some(id),
        None => true,
    };
    let mut fault = None;
    if targeted {
        if faults.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
        }
        let roll: f64 = lock(&st.fault_rng).gen();
        let hang = faults
            .timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(st.config.fault_timeout);
        let mut edge = 0.0;
        for (p, kind) in [
            (faults.rate_429, Fault::TooMany),
            (faults.rate_500, Fault::ServerError),
            (faults.rate_timeout, Fault::Timeout(hang)),
            (faults.rate_malformed, Fault::Malformed),
        ] {
            edge += p.max(0.0);
            if roll < edge {
                fault = Some(kind);
                break;
            }
        }
    }
    match fault {
        Some(Fault::TooMany) => return message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
        Some(Fault::ServerError) => {
            return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
        }
        Some(Fault::Timeout(d)) => {
            tokio::time::sleep(d).await;
            return message(StatusCode::GATEWAY_TIMEOUT, "Endpoint request timed out");
        }
        _ => {}
    }

    req.extensions_mut().insert(Caller { partner, key });
    let resp = next.run(req).await;
    if matches!(fault, Some(Fault::Malformed)) {
        let (mut parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        // Cut the document short (and never leave it accidentally valid).
        let mut cut = bytes[..bytes.len() / 2].to_vec();
        cut.extend_from_slice(b"{\"");
        parts.status = StatusCode::OK;
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Response::from_parts(parts, Body::from(cut));
    }
    resp
}

/// Unknown route, or a method the path does not have: 404 after auth, like the gateway (so a
/// request without a key gets the guard's 403 first, on any path).
pub(crate) async fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "Not Found")
}

#[cfg(test)]
mod tests {
    use super::campaign_in_path;

    #[test]
    fn finds_campaign_id_in_path() {
        assert_eq!(
            campaign_in_path("/crm/v1/api/campaign/840001/publishers"),
            Some(840001)
        );
        assert_eq!(campaign_in_path("/crm/v1/api/campaigns"), None);
        assert_eq!(campaign_in_path("/crm/v1/api/campaign/abc"), None);
    }
}
