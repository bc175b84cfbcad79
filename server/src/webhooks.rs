//! `POST /webhooks/creatoriq/{organization's webhook id}`: CreatorIQ's event deliveries.
//!
//! The handler answers fast and decides nothing about syncing: it reads at most the body limit,
//! checks the delivery against the organization's key (domain::webhooks), records it durably,
//! and only then answers 2xx; the sync engine's worker processes queued deliveries. An unknown
//! id is a bare 404. A refused delivery is logged without its body.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use domain::crypto::MasterKey;
use domain::store::{NewDelivery, RecordedDelivery, Store, Verification};
use domain::sync::SyncEngine;
use domain::webhooks::{self, Checked, SignatureHeaders, BODY_LIMIT};
use serde_json::json;

#[derive(Clone)]
struct WebhookState {
    store: Arc<dyn Store>,
    master_key: MasterKey,
    /// Woken when a delivery is queued.
    engine: Arc<SyncEngine>,
}

pub fn routes(engine: Arc<SyncEngine>) -> Router {
    Router::new()
        .route("/webhooks/creatoriq/{webhook_id}", post(receive))
        .with_state(WebhookState {
            store: engine.store().clone(),
            master_key: engine.master_key().clone(),
            engine,
        })
}

fn answer(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "status": text }))).into_response()
}

async fn receive(
    State(st): State<WebhookState>,
    Path(webhook_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "{what}");
        answer(StatusCode::SERVICE_UNAVAILABLE, "try again later")
    };
    let well_formed = webhook_id.len() == 32 && webhook_id.bytes().all(|b| b.is_ascii_hexdigit());
    let org = match well_formed {
        false => None,
        true => match st.store.organization_by_webhook_id(&webhook_id).await {
            Ok(org) => org,
            Err(e) => return internal("looking up a webhook's organization", &e),
        },
    };
    let Some(org) = org else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let received_at = Utc::now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());

    let bytes = axum::body::to_bytes(body, BODY_LIMIT).await;
    let checked = match &bytes {
        Err(_) => Checked {
            verification: Verification::Oversized,
            detail: Some(format!(
                "the body is larger than {} KB (or broke off)",
                BODY_LIMIT / 1024
            )),
            summary: webhooks::EnvelopeSummary::default(),
            envelope: None,
        },
        Ok(bytes) => {
            let key = match st.store.ciq_settings(org.id).await {
                Ok(settings) => settings.api_key.and_then(|secret| {
                    st.master_key
                        .decrypt_api_key(org.id, &settings.base_url, &secret)
                        .ok()
                }),
                Err(e) => return internal("loading settings for a webhook", &e),
            };
            match key {
                Some(key) => webhooks::check(
                    bytes,
                    SignatureHeaders {
                        sha256: header("x-signature-sha256"),
                        md5: header("x-signature"),
                        timestamp: header("x-timestamp"),
                    },
                    key.expose(),
                    received_at,
                ),
                None => Checked {
                    verification: Verification::NoKey,
                    detail: Some("the organization has no CreatorIQ key to verify with".into()),
                    summary: webhooks::EnvelopeSummary::default(),
                    envelope: None,
                },
            }
        }
    };
    let s = checked.summary;
    let delivery = NewDelivery {
        org_id: org.id,
        received_at,
        request_id: s.request_id,
        entity_type: s.entity_type,
        action_type: s.action_type,
        entity_id: s.entity_id,
        ciq_campaign_id: s.campaign_id,
        ciq_publisher_id: s.publisher_id,
        verification: checked.verification,
        detail: checked.detail,
        body: checked.envelope,
    };
    let recorded = match st.store.record_webhook_delivery(&delivery).await {
        Ok(recorded) => recorded,
        // Not stored, so not acknowledged: CreatorIQ retries.
        Err(e) => return internal("recording a webhook delivery", &e),
    };
    match recorded {
        RecordedDelivery::Queued(_) => {
            st.engine.wake_webhook_worker();
            answer(StatusCode::OK, "accepted")
        }
        // Already accepted once: acknowledged so CreatorIQ stops retrying, never processed.
        RecordedDelivery::Replayed(_) => answer(StatusCode::OK, "duplicate"),
        RecordedDelivery::Rejected(_) | RecordedDelivery::Dropped => {
            if matches!(recorded, RecordedDelivery::Dropped) {
                tracing::debug!(
                    org = org.id.0,
                    "refused a webhook delivery without logging it: too many refused this minute"
                );
            } else {
                tracing::warn!(
                    org = org.id.0,
                    verification = delivery.verification.as_str(),
                    "refused a CreatorIQ webhook delivery"
                );
            }
            match delivery.verification {
                Verification::Oversized => answer(StatusCode::PAYLOAD_TOO_LARGE, "too large"),
                Verification::Malformed => answer(StatusCode::BAD_REQUEST, "malformed"),
                _ => answer(StatusCode::UNAUTHORIZED, "not verified"),
            }
        }
    }
}
