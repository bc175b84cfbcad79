//! Webhook figures, printed as a report (`cargo bench -p dashboard --bench webhooks`):
//!
//! - verified, durably stored deliveries per second: signed deliveries POSTed over HTTP to a
//!   real server (release build, SQLite file) by several concurrent senders; each answer is
//!   sent only after the delivery is verified and committed. The events are ones the
//!   dashboard logs and ignores, so the worker's syncing does not share the machine;
//! - the time from an edit in the CreatorIQ sandbox (whose write fires the signed webhook) to
//!   the updated contractor row, p50 and max over repeated edits.
//!
//! `--quick` sends fewer deliveries and makes fewer edits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ciq_sandbox::{scenarios, CreatorEdit, SandboxConfig, PARTNER1_KEY};
use domain::store::roles::*;
use domain::store::{ContractorStatus, DeliveryState, SqliteStore};
use serde_json::json;
use sha2::{Digest, Sha256};

#[path = "../tests/common/mod.rs"]
mod common;

const ADMIN: (&str, &str) = (common::EMAIL, common::PASSWORD);

fn sign(body: &str, ts: &str) -> String {
    let mut h = Sha256::new();
    h.update(body.as_bytes());
    h.update(ts.as_bytes());
    h.update(PARTNER1_KEY.as_bytes());
    hex::encode(h.finalize())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (deliveries, senders, edits) = if quick {
        (2_000, 16, 6)
    } else {
        (10_000, 16, 20)
    };

    let sandbox = ciq_sandbox::spawn(SandboxConfig {
        today: chrono::Utc::now().date_naive(),
        webhook_retry_delay: Duration::from_millis(200),
        ..SandboxConfig::tiny()
    })
    .await
    .expect("sandbox starts");

    let server = common::TestServer::build()
        .creatoriq_environments(&[&sandbox.base_url])
        .public_at_own_address()
        .start()
        .await;
    let org = server.org;
    let store = SqliteStore::open(&server.db).await.unwrap();
    let webhook_id = store.organization(org).await.unwrap().unwrap().webhook_id;
    let base = server.base.clone();

    // Sign in and save the key: the organization is subscribed, and a first sync runs.
    let admin = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let req = admin
            .post(format!("{base}/api/{path}"))
            .header("accept", "application/json")
            .form(&form);
        async move {
            let resp = req.send().await.unwrap();
            assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
        }
    };
    post(
        "login",
        vec![("email", ADMIN.0.into()), ("password", ADMIN.1.into())],
    )
    .await;
    post(
        "settings/save_key",
        vec![
            ("api_key", PARTNER1_KEY.into()),
            ("environment", sandbox.base_url.clone()),
        ],
    )
    .await;
    post("start_sync", vec![]).await;
    while store.running_sync_run(org).await.unwrap().is_some()
        || store.sync_runs(org, None, 1).await.unwrap().is_empty()
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // 1. Verified, durably stored deliveries per second.
    let callback = Arc::new(format!("{base}/webhooks/creatoriq/{webhook_id}"));
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..senders {
        let (http, callback) = (http.clone(), callback.clone());
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0u64;
            for i in (s..deliveries).step_by(senders) {
                let body = json!({
                    "actionType": "archived",
                    "entityId": 1_000_000 + i,
                    "entityType": "Publisher",
                    "requestId": format!("bench-{i}"),
                })
                .to_string();
                let ts = chrono::Utc::now().timestamp().to_string();
                let resp = http
                    .post(callback.as_str())
                    .header("content-type", "application/json")
                    .header("x-timestamp", &ts)
                    .header("X-Signature-SHA256", sign(&body, &ts))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                if resp.status().is_success() {
                    accepted += 1;
                }
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.unwrap();
    }
    let took = started.elapsed();
    let (log, total) = store.webhook_deliveries(org, 0, 1).await.unwrap();
    assert_eq!(accepted, deliveries as u64, "every delivery was accepted");
    assert!(total >= deliveries as u64 && !log.is_empty());
    println!("# Webhook figures (release build, SQLite, {senders} concurrent senders)");
    println!();
    println!(
        "verified + durably stored deliveries: {deliveries} in {:.2} s = {:.0} per second",
        took.as_secs_f64(),
        deliveries as f64 / took.as_secs_f64()
    );

    // Let the worker log the ignored events before timing edits.
    loop {
        let (page, _) = store.webhook_deliveries(org, 0, 1).await.unwrap();
        if page
            .iter()
            .all(|d| d.state != DeliveryState::Queued && d.state != DeliveryState::Processing)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // 2. Sandbox edit -> updated row: alternately blank and fix the creator's email.
    let publisher = i64::from(scenarios::MISSING_EMAIL.publisher_id);
    let mut samples = Vec::new();
    let requests_before = sandbox.handle.counters().total;
    for n in 0..edits {
        let fix = n % 2 == 0;
        let email = fix.then(|| format!("fixed-{n}@example.com"));
        let edited = Instant::now();
        sandbox
            .handle
            .edit_creator(
                scenarios::MISSING_EMAIL.publisher_id,
                &CreatorEdit {
                    email: Some(email),
                    ..Default::default()
                },
            )
            .unwrap();
        let want = if fix {
            ContractorStatus::Synced
        } else {
            ContractorStatus::NeedsAttention
        };
        loop {
            let rows = store
                .contractors_for_publisher(org, publisher)
                .await
                .unwrap();
            if !rows.is_empty() && rows.iter().all(|r| r.status == want) {
                break;
            }
            assert!(
                edited.elapsed() < Duration::from_secs(30),
                "edit {n} did not reach the row"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        samples.push(edited.elapsed());
    }
    let requests = sandbox.handle.counters().total - requests_before;
    samples.sort();
    println!(
        "sandbox edit -> updated row ({edits} edits): p50 {} ms, max {} ms; {:.1} CreatorIQ \
         requests per edit",
        percentile(&samples, 0.5).as_millis(),
        samples.last().unwrap().as_millis(),
        requests as f64 / edits as f64
    );
}
