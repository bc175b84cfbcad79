//! Webhooks: signed deliveries for creator edits through the write endpoints and the control
//! endpoint, and retries on failure.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use ciq_sandbox::{scenarios, SandboxConfig, PARTNER1_ID, PARTNER1_KEY};
use common::{client, fixed_today, start};
use md5::{Digest, Md5};
use serde_json::{json, Value};
use sha2::Sha256;

#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Received>>,
    fail_first: AtomicUsize,
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.got.lock().expect("lock").push(Received {
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    });
    let left = r.fail_first.load(Ordering::SeqCst);
    if left > 0 {
        r.fail_first.store(left - 1, Ordering::SeqCst);
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

/// A webhook receiver on a random port; returns its URL.
async fn receiver(fail_first: usize) -> (String, Arc<Receiver>) {
    let state = Arc::new(Receiver {
        fail_first: AtomicUsize::new(fail_first),
        ..Receiver::default()
    });
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), state)
}

async fn wait_for(r: &Receiver, n: usize) -> Vec<Received> {
    for _ in 0..100 {
        let got = r.got.lock().expect("lock").clone();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {n} deliveries, got {}",
        r.got.lock().expect("lock").len()
    );
}

async fn subscribe(base: &str, body: Value) {
    let r = client()
        .post(format!("{base}/pubsub/subscribe"))
        .header("x-api-key", PARTNER1_KEY)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 201);
}

/// Checks the headers the way a receiver must: re-serialize the body compactly, append
/// x-timestamp and the API key, hash with MD5 and SHA-256 (plain hashes).
fn verify_signature(d: &Received, api_key: &str) -> Value {
    let ts = d.headers["x-timestamp"].to_str().expect("ascii");
    assert!(ts.parse::<i64>().is_ok(), "x-timestamp is unix seconds");
    let parsed: Value = serde_json::from_str(&d.body).expect("JSON body");
    let normalized = serde_json::to_string(&parsed).expect("serialize");
    assert_eq!(normalized, d.body, "body is already compact JSON");
    let input = format!("{normalized}{ts}{api_key}");
    let md5_hex = format!("{:x}", Md5::digest(input.as_bytes()));
    let sha_hex = format!("{:x}", Sha256::digest(input.as_bytes()));
    assert_eq!(d.headers["x-signature"].to_str().expect("ascii"), md5_hex);
    assert_eq!(
        d.headers["x-signature-sha256"].to_str().expect("ascii"),
        sha_hex
    );
    // A different key does not verify.
    let wrong = format!(
        "{:x}",
        Md5::digest(format!("{normalized}{ts}other-key").as_bytes())
    );
    assert_ne!(d.headers["x-signature"].to_str().expect("ascii"), wrong);
    parsed
}

fn tiny() -> SandboxConfig {
    SandboxConfig {
        today: fixed_today(),
        webhook_retry_delay: Duration::from_millis(100),
        ..SandboxConfig::tiny()
    }
}

#[tokio::test]
async fn edits_fire_signed_publisher_update_webhooks() {
    let sb = start(tiny()).await;
    let (url, rx) = receiver(0).await;
    subscribe(
        &sb.base_url,
        json!({"entityType": "Publisher", "actionType": "update", "callback": url}),
    )
    .await;
    // A subscription for another creator only never fires here.
    let (other_url, other_rx) = receiver(0).await;
    subscribe(
        &sb.base_url,
        json!({"entityType": "Publisher", "actionType": "*", "callback": other_url, "entityId": 1}),
    )
    .await;

    // 1. Through CreatorIQ's contact write endpoint.
    let me = scenarios::MISSING_EMAIL;
    let r = client()
        .patch(format!(
            "{}/crm/v1/api/data/contact/{}",
            sb.base_url,
            me.contact_id()
        ))
        .header("x-api-key", PARTNER1_KEY)
        .json(&json!({"ContactType": "Publisher", "Email": "found.it@example.com"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let got = wait_for(&rx, 1).await;
    let event = verify_signature(&got[0], PARTNER1_KEY);
    assert_eq!(event["entityType"], "Publisher");
    assert_eq!(event["actionType"], "update");
    assert_eq!(event["entityId"], me.publisher_id);
    assert_eq!(event["partnerId"], PARTNER1_ID);
    assert_eq!(event["payload"]["PublisherId"], me.publisher_id);
    assert_eq!(
        event["payload"]["ChangedData"]["Email"]["OldValue"],
        Value::Null
    );
    assert_eq!(
        event["payload"]["ChangedData"]["Email"]["NewValue"],
        "found.it@example.com"
    );
    let first_rid = event["requestId"].clone();
    let rid = event["requestId"].as_str().expect("requestId");
    assert_eq!(rid.split(':').count(), 4);
    assert!(rid.starts_with(&format!("{PARTNER1_ID}:")));
    assert!(event["timestamp"].is_string());

    // 2. Through the control endpoint (campaign custom field).
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    let r = client()
        .patch(format!(
            "{}/_sandbox/creators/{}",
            sb.base_url,
            scenarios::NON_US_HOME.publisher_id
        ))
        .json(&json!({"campaign_id": up, "custom_fields": {"CustomField8": "WA"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let outcome: Value = r.json().await.expect("json");
    assert_eq!(outcome["webhooks"], 1);
    let got = wait_for(&rx, 2).await;
    let event = verify_signature(&got[1], PARTNER1_KEY);
    assert_eq!(event["entityId"], scenarios::NON_US_HOME.publisher_id);
    assert_eq!(event["payload"]["CampaignId"], up);
    assert_eq!(
        event["payload"]["ChangedData"]["CustomField8"]["NewValue"],
        "WA"
    );
    assert_ne!(
        event["requestId"], first_rid,
        "each event has its own requestId"
    );

    // 3. Status and payout writes fire too; a no-op write fires nothing.
    let na = scenarios::NOT_ACCEPTED;
    let r = client()
        .put(format!(
            "{}/crm/v1/api/campaign/{up}/publishers/status",
            sb.base_url
        ))
        .header("x-api-key", PARTNER1_KEY)
        .json(&json!({"publisherIds": [na.publisher_id.to_string()], "status": "Accepted"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let got = wait_for(&rx, 3).await;
    let event = verify_signature(&got[2], PARTNER1_KEY);
    assert_eq!(
        event["payload"]["ChangedData"]["Status"]["NewValue"],
        "Accepted"
    );
    let r = client()
        .patch(format!(
            "{}/crm/v1/api/campaign/{up}/publisher/{}/payment/settings",
            sb.base_url,
            scenarios::ZERO_PAYOUT.publisher_id
        ))
        .header("x-api-key", PARTNER1_KEY)
        .json(&json!({"payoutValue": "1250"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let got = wait_for(&rx, 4).await;
    let event = verify_signature(&got[3], PARTNER1_KEY);
    assert_eq!(
        event["payload"]["ChangedData"]["Payout"],
        json!({"OldValue": 0, "NewValue": 1250})
    );

    let r = client()
        .put(format!(
            "{}/crm/v1/api/campaign/{up}/publishers/status",
            sb.base_url
        ))
        .header("x-api-key", PARTNER1_KEY)
        .json(&json!({"publisherIds": [na.publisher_id], "status": "Accepted"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rx.got.lock().expect("lock").len(),
        4,
        "unchanged data fires no webhook"
    );
    assert!(other_rx.got.lock().expect("lock").is_empty());
    assert_eq!(
        sb.handle
            .deliveries()
            .iter()
            .filter(|d| d.delivered)
            .count(),
        4
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_twice() {
    let sb = start(tiny()).await;
    let (url, rx) = receiver(2).await;
    subscribe(
        &sb.base_url,
        json!({"entityType": "Publisher", "actionType": "update", "callback": url}),
    )
    .await;
    let outcome = sb
        .handle
        .edit_creator(
            scenarios::CLEAN.publisher_id,
            &ciq_sandbox::CreatorEdit {
                city: Some(Some("Cambridge".into())),
                ..Default::default()
            },
        )
        .expect("edit");
    assert_eq!(outcome.webhooks, 1);
    let got = wait_for(&rx, 3).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        rx.got.lock().expect("lock").len(),
        3,
        "1 attempt + 2 retries, then success stops"
    );
    let ids: Vec<Value> = got
        .iter()
        .map(|d| verify_signature(d, PARTNER1_KEY)["requestId"].clone())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "retries carry the same requestId"
    );
    let log = sb.handle.deliveries();
    assert_eq!(
        log.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(
        log.iter().map(|d| d.status).collect::<Vec<_>>(),
        vec![Some(500), Some(500), Some(200)]
    );

    // A receiver that always fails gets exactly three attempts.
    let (url2, rx2) = receiver(usize::MAX).await;
    subscribe(
        &sb.base_url,
        json!({"entityType": "Publisher", "actionType": "*", "callback": url2}),
    )
    .await;
    sb.handle
        .edit_creator(
            scenarios::CLEAN.publisher_id,
            &ciq_sandbox::CreatorEdit {
                city: Some(Some("Somerville".into())),
                ..Default::default()
            },
        )
        .expect("edit");
    wait_for(&rx2, 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx2.got.lock().expect("lock").len(), 3);
    sb.shutdown().await;
}
