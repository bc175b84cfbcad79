//! CreatorIQ webhooks against the real server (port 0, SQLite in a tempdir) and an in-process
//! sandbox: saving the key subscribes the organization; a fix made in CreatorIQ reaches the
//! row without anyone pressing Sync, for a handful of requests; forged, stale, replayed,
//! malformed, oversized and misaddressed deliveries are refused and logged; a burst with
//! duplicates is processed once per event.

mod common;

use std::time::{Duration, Instant};

use ciq_sandbox::{scenarios, CreatorEdit, SandboxConfig, PARTNER1_KEY};
use domain::auth::Password;
use domain::store::roles::*;
use domain::store::{ContractorStatus, DeliveryState, TriggerKind, Verification};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const ADMIN: (&str, &str) = (common::EMAIL, common::PASSWORD);

/// The shared test server, allowed to use the sandbox as a CreatorIQ environment, with the
/// organization's webhook callback.
struct TestServer {
    inner: common::TestServer,
    webhook_id: String,
}

impl std::ops::Deref for TestServer {
    type Target = common::TestServer;
    fn deref(&self) -> &common::TestServer {
        &self.inner
    }
}

impl TestServer {
    async fn start(ciq_base_url: &str) -> Self {
        let environments = format!("https://apis.creatoriq.com,{ciq_base_url}");
        let inner =
            common::TestServer::start_with_env(&[("CREATORIQ_BASE_URLS", &environments)]).await;
        let webhook_id = inner
            .store()
            .await
            .organization(inner.org)
            .await
            .unwrap()
            .unwrap()
            .webhook_id;
        Self { inner, webhook_id }
    }

    fn callback(&self) -> String {
        format!("{}/webhooks/creatoriq/{}", self.base, self.webhook_id)
    }

    async fn admin(&self) -> reqwest::Client {
        self.sign_in(ADMIN.0, ADMIN.1).await
    }

    async fn save_key(&self, admin: &reqwest::Client, environment: &str) {
        self.call(
            admin,
            "settings/save_key",
            &[("api_key", PARTNER1_KEY), ("environment", environment)],
        )
        .await;
    }

    async fn stop(self) {
        self.inner.stop().await;
    }
}

/// What the sandbox lists as the partner key's subscriptions.
async fn subscriptions(sandbox: &str) -> Vec<Value> {
    reqwest::Client::new()
        .get(format!("{sandbox}/pubsub/subscriptions"))
        .header("x-api-key", PARTNER1_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn sign(body: &str, ts: &str) -> String {
    let mut h = Sha256::new();
    h.update(body.as_bytes());
    h.update(ts.as_bytes());
    h.update(PARTNER1_KEY.as_bytes());
    hex::encode(h.finalize())
}

fn envelope(request_id: &str, publisher: i64) -> String {
    json!({
        "actionType": "update",
        "entityId": publisher,
        "entityType": "Publisher",
        "payload": {"ChangedData": {"Email": {"NewValue": "x@example.com", "OldValue": null}},
                    "PublisherId": publisher},
        "requestId": request_id,
        "sender": "CreatorIQ",
    })
    .to_string()
}

async fn post(url: &str, body: String, headers: &[(&str, String)]) -> StatusCode {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.body(body).send().await.unwrap().status()
}

async fn wait_until<F, Fut>(what: &str, limit: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !f().await {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_made_in_creatoriq_reaches_the_row_without_pressing_sync() {
    let sandbox = ciq_sandbox::spawn(SandboxConfig::tiny()).await.unwrap();
    let server = TestServer::start(&sandbox.base_url).await;
    let admin = server.admin().await;

    // Saving the key subscribes the organization's callback to the five events.
    server.save_key(&admin, &sandbox.base_url).await;
    let subs = subscriptions(&sandbox.base_url).await;
    let ours: Vec<(String, String)> = subs
        .iter()
        .filter(|s| s["callback"] == server.callback())
        .map(|s| {
            (
                s["entityType"].as_str().unwrap().to_string(),
                s["actionType"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(ours.len(), 5, "{subs:?}");
    assert!(ours.contains(&("Publisher".into(), "update".into())));

    // A first sync, so the creator with a blank email needs attention.
    server.call(&admin, "start_sync", &[]).await;
    let store = server.store().await;
    let publisher = i64::from(scenarios::MISSING_EMAIL.publisher_id);
    wait_until("the first sync", Duration::from_secs(30), || async {
        store
            .contractors_for_publisher(server.org, publisher)
            .await
            .unwrap()
            .iter()
            .any(|r| r.status == ContractorStatus::NeedsAttention)
    })
    .await;
    wait_until("the first run to end", Duration::from_secs(30), || async {
        store.running_sync_run(server.org).await.unwrap().is_none()
    })
    .await;
    let before = sandbox.handle.counters().total;

    // The creator's email is fixed in CreatorIQ; its write fires the signed webhook.
    let edited = Instant::now();
    sandbox
        .handle
        .edit_creator(
            scenarios::MISSING_EMAIL.publisher_id,
            &CreatorEdit {
                email: Some(Some("fixed@example.com".into())),
                ..Default::default()
            },
        )
        .unwrap();
    wait_until("the row to be synced", Duration::from_secs(20), || async {
        let rows = store
            .contractors_for_publisher(server.org, publisher)
            .await
            .unwrap();
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r.status != ContractorStatus::NeedsAttention)
    })
    .await;
    let latency = edited.elapsed();
    let rows = store
        .contractors_for_publisher(server.org, publisher)
        .await
        .unwrap();
    assert!(rows
        .iter()
        .any(|r| r.status == ContractorStatus::Synced
            && r.email.as_deref() == Some("fixed@example.com")));
    let link = store.current_link(server.org, rows[0].id).await.unwrap();
    assert!(link.is_some(), "the synced row has an application link");

    // A handful of requests, never a full sync.
    wait_until(
        "the webhook run to end",
        Duration::from_secs(10),
        || async { store.running_sync_run(server.org).await.unwrap().is_none() },
    )
    .await;
    let spent = sandbox.handle.counters().total - before;
    let runs = store.sync_runs(server.org, None, 5).await.unwrap();
    let run = &runs[0];
    assert_eq!(run.trigger.kind, TriggerKind::Webhook);
    assert!(spent <= 4 * rows.len() as u64, "{spent} requests");
    let (log, _) = store.webhook_deliveries(server.org, 0, 10).await.unwrap();
    let delivered = &log[0];
    assert_eq!(delivered.verification, Verification::Verified);
    assert_eq!(delivered.state, DeliveryState::Done);
    assert_eq!(delivered.run_id, Some(run.id));
    eprintln!(
        "webhook: edit to synced row in {} ms, {spent} CreatorIQ requests",
        latency.as_millis()
    );

    // Settings lists the five subscriptions as CreatorIQ reports them.
    let automatic = server.call(&admin, "automatic/get", &[]).await;
    let automatic: Value = serde_json::from_str(&automatic).unwrap();
    let subs = automatic["subscriptions"]["Ok"].as_array().unwrap();
    assert_eq!(subs.len(), 5, "{automatic}");
    assert!(subs.iter().all(|s| s["active"] == true), "{automatic}");

    // The log shows the delivery; a viewer and another organization's admin cannot reprocess
    // it; this organization's admin can, and a new run processes it again.
    let id = delivered.id.0.to_string();
    let page = server.call(&admin, "webhooks/list", &[("page", "1")]).await;
    assert!(page.contains(&format!("\"id\":{id}")), "{page}");
    domain::auth::add_member(
        &store,
        server.org,
        "viewer@acme.example",
        &Password::new("viewer password 123"),
        domain::store::Role::Viewer,
    )
    .await
    .unwrap();
    let viewer = server
        .sign_in("viewer@acme.example", "viewer password 123")
        .await;
    let (_, refused) = server
        .try_call(&viewer, "webhooks/reprocess", &[("id", &id)])
        .await;
    assert_eq!(refused, "\"Forbidden\"");
    let other = server.other_organization_admin().await;
    let (_, refused) = server
        .try_call(&other, "webhooks/reprocess", &[("id", &id)])
        .await;
    assert!(refused.contains("can't be reprocessed"), "{refused}");
    let other_log = server.call(&other, "webhooks/list", &[("page", "1")]).await;
    assert!(other_log.contains("\"total\":0"), "{other_log}");
    let queued = server
        .call(&admin, "webhooks/reprocess", &[("id", &id)])
        .await;
    assert!(queued.contains("queued again"), "{queued}");
    wait_until(
        "the reprocessed delivery",
        Duration::from_secs(20),
        || async {
            let d = store
                .webhook_delivery(server.org, delivered.id)
                .await
                .unwrap()
                .unwrap();
            d.state == DeliveryState::Done && d.run_id != Some(run.id)
        },
    )
    .await;

    drop(store);
    server.stop().await;
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_deliveries_are_refused_and_logged_and_duplicates_processed_once() {
    let sandbox = ciq_sandbox::spawn(SandboxConfig::tiny()).await.unwrap();
    let server = TestServer::start(&sandbox.base_url).await;
    let admin = server.admin().await;
    server.save_key(&admin, &sandbox.base_url).await;
    let url = server.callback();
    let now = || chrono::Utc::now().timestamp().to_string();
    let signed = |body: &str, ts: String| {
        vec![
            ("x-timestamp", ts.clone()),
            ("X-Signature-SHA256", sign(body, &ts)),
        ]
    };

    // An unknown organization: a bare 404.
    let unknown = format!("{}/webhooks/creatoriq/{}", server.base, "0".repeat(32));
    let body = envelope("r-unknown", 1);
    assert_eq!(
        post(&unknown, body.clone(), &signed(&body, now())).await,
        StatusCode::NOT_FOUND
    );
    let forged = envelope("r-forged", 1);
    let mut headers = signed(&forged, now());
    headers[1].1 = "f".repeat(64);
    assert_eq!(post(&url, forged, &headers).await, StatusCode::UNAUTHORIZED);
    let stale = envelope("r-stale", 1);
    let old = (chrono::Utc::now().timestamp() - 3600).to_string();
    assert_eq!(
        post(&url, stale.clone(), &signed(&stale, old)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&url, "{not json".into(), &signed("{not json", now())).await,
        StatusCode::BAD_REQUEST
    );
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(100_000));
    assert_eq!(
        post(&url, big.clone(), &signed(&big, now())).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // A burst: 100 distinct events, each sent 3 times, all at once.
    let mut sends = Vec::new();
    for i in 0..300 {
        let body = envelope(
            &format!("burst-{}", i % 100),
            900_000_000 + i64::from(i % 100),
        );
        let headers = signed(&body, now());
        let url = url.clone();
        sends.push(tokio::spawn(
            async move { post(&url, body, &headers).await },
        ));
    }
    for send in sends {
        assert_eq!(send.await.unwrap(), StatusCode::OK);
    }

    let store = server.store().await;
    wait_until(
        "the burst to be processed",
        Duration::from_secs(30),
        || async {
            let (log, _) = store.webhook_deliveries(server.org, 0, 1000).await.unwrap();
            log.iter()
                .filter(|d| d.verification == Verification::Verified)
                .all(|d| d.state == DeliveryState::Done)
        },
    )
    .await;
    let (log, total) = store.webhook_deliveries(server.org, 0, 1000).await.unwrap();
    assert_eq!(total, 4 + 300);
    let count = |v: Verification| log.iter().filter(|d| d.verification == v).count();
    assert_eq!(count(Verification::BadSignature), 1);
    assert_eq!(count(Verification::Stale), 1);
    assert_eq!(count(Verification::Malformed), 1);
    assert_eq!(count(Verification::Oversized), 1);
    assert_eq!(count(Verification::Verified), 100, "each event once");
    assert_eq!(count(Verification::Replayed), 200);
    // Refused deliveries keep no body.
    assert!(log
        .iter()
        .filter(|d| d.verification != Verification::Verified)
        .all(|d| d.body.is_none()));
    let mut ids: Vec<&str> = log
        .iter()
        .filter(|d| d.verification == Verification::Verified)
        .filter_map(|d| d.request_id.as_deref())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 100);

    drop(store);
    server.stop().await;
    sandbox.shutdown().await;
}

/// Viewing Settings over and over asks CreatorIQ for the subscriptions once: what it listed is
/// reused for a while, so a member who can view cannot spend the key's daily quota by
/// reloading. Subscribing asks again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewing_settings_does_not_spend_the_daily_quota() {
    let sandbox = ciq_sandbox::spawn(SandboxConfig::tiny()).await.unwrap();
    let server = TestServer::start(&sandbox.base_url).await;
    let admin = server.admin().await;
    server.save_key(&admin, &sandbox.base_url).await;
    domain::auth::add_member(
        &server.store().await,
        server.org,
        "viewer@acme.example",
        &Password::new("viewer password 123"),
        domain::store::Role::Viewer,
    )
    .await
    .unwrap();
    let viewer = server
        .sign_in("viewer@acme.example", "viewer password 123")
        .await;
    let listed = |automatic: &str| {
        let v: Value = serde_json::from_str(automatic).unwrap();
        v["subscriptions"]["Ok"].as_array().map(Vec::len)
    };

    let before = sandbox.handle.counters().total;
    for _ in 0..25 {
        let automatic = server.call(&viewer, "automatic/get", &[]).await;
        assert_eq!(listed(&automatic), Some(5), "{automatic}");
    }
    let spent = sandbox.handle.counters().total - before;
    assert_eq!(
        spent, 1,
        "25 views of Settings cost {spent} CreatorIQ requests"
    );

    // Subscribing (an admin's action) forgets what was listed: the next view asks again.
    server.call(&admin, "automatic/subscribe", &[]).await;
    let before = sandbox.handle.counters().total;
    server.call(&viewer, "automatic/get", &[]).await;
    server.call(&admin, "automatic/get", &[]).await;
    assert_eq!(sandbox.handle.counters().total - before, 1);
    server.stop().await;
}

/// Strangers posting to the webhook address fill the log only so far each minute; an admin
/// replaces the address, the old one answers 404 from then on, and CreatorIQ's subscriptions
/// (one per event and key) move to the new one, where signed deliveries keep arriving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_deliveries_are_capped_and_the_address_can_be_replaced() {
    let sandbox = ciq_sandbox::spawn(SandboxConfig::tiny()).await.unwrap();
    let server = TestServer::start(&sandbox.base_url).await;
    let admin = server.admin().await;
    server.save_key(&admin, &sandbox.base_url).await;
    let old_callback = server.callback();

    let forged = envelope("forged", 1);
    let mut answers = Vec::new();
    for _ in 0..80 {
        answers.push(
            post(
                &old_callback,
                forged.clone(),
                &[
                    ("x-signature-sha256", "0".repeat(64)),
                    ("x-timestamp", "1".into()),
                ],
            )
            .await,
        );
    }
    assert!(
        answers.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{answers:?}"
    );
    let store = server.store().await;
    let (_, logged) = store.webhook_deliveries(server.org, 0, 1).await.unwrap();
    assert_eq!(
        logged,
        u64::try_from(domain::store::REJECTED_DELIVERIES_PER_MINUTE).unwrap(),
        "80 forged deliveries in a minute"
    );

    let said = server.call(&admin, "automatic/replace_address", &[]).await;
    assert!(said.contains("confirmed all 5 events"), "{said}");
    let new_id = store
        .organization(server.org)
        .await
        .unwrap()
        .unwrap()
        .webhook_id;
    let new_callback = format!("{}/webhooks/creatoriq/{new_id}", server.base);
    assert_ne!(new_callback, old_callback);
    assert_eq!(
        post(&old_callback, forged.clone(), &[]).await,
        StatusCode::NOT_FOUND
    );
    let subs = subscriptions(&sandbox.base_url).await;
    assert_eq!(subs.len(), 5, "{subs:?}");
    assert!(
        subs.iter().all(|s| s["callback"] == new_callback),
        "{subs:?}"
    );
    let automatic = server.call(&admin, "automatic/get", &[]).await;
    assert!(!automatic.contains("\"active\":false"), "{automatic}");

    // A change in CreatorIQ now arrives at the new address, signed and accepted.
    let before = store.webhook_deliveries(server.org, 0, 1).await.unwrap().1;
    sandbox
        .handle
        .edit_creator(
            scenarios::MISSING_EMAIL.publisher_id,
            &CreatorEdit {
                email: Some(Some("fixed@example.com".into())),
                ..Default::default()
            },
        )
        .unwrap();
    wait_until(
        "a delivery at the new address",
        Duration::from_secs(10),
        || async {
            let (log, total) = store.webhook_deliveries(server.org, 0, 1).await.unwrap();
            total > before && log[0].verification == Verification::Verified
        },
    )
    .await;
    let (log, _) = store
        .audit_events(server.org, &domain::store::AuditFilter::default(), 5)
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == domain::store::AuditAction::WebhookAddressReplaced));
    server.stop().await;
}
