//! Messages to creators: 10,000 first messages sent by email to a local SMTP server, on SQLite
//! and on PostgreSQL. Reports messages per second, the process's peak resident memory, and
//! how long a contractors page takes to read while the worker sends (against the same read
//! with nothing sending), so "the dashboard stays responsive" is a measured ratio.
//!
//! `cargo bench -p domain --bench messages [-- --sqlite | --postgres]`

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ciq_sandbox::{SandboxConfig, Size};
use domain::alerts::{AlertConfig, SmtpConfig, SmtpTls};
use domain::creatoriq::{ApiKey, CiqEnvironments, CreatorIqConfig};
use domain::crypto::MasterKey;
use domain::store::{
    Channel, ContractorPageRequest, ContractorStatus, NewMessage, PgStore, SqliteStore, Store,
    Trigger, TriggerKind,
};
use domain::sync::{SyncConfig, SyncEngine};
use domain::testing::{MailSink, TestDatabase};

#[path = "support/mod.rs"]
mod support;
use support::peak_rss_mb;

const MESSAGES: usize = 10_000;
/// The target: messages per second on two cores.
const TARGET_PER_SECOND: f64 = 50.0;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Milliseconds per read of the list's first page of Synced rows, `n` times.
async fn page_reads(store: &dyn Store, org: domain::store::OrgId, n: usize) -> Vec<f64> {
    let request = ContractorPageRequest::in_status(ContractorStatus::Synced, Some(50));
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        store.contractor_page(org, &request).await.unwrap();
        out.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    out
}

async fn run(name: &str, store: Arc<dyn Store>) {
    let sandbox = ciq_sandbox::spawn(SandboxConfig {
        size: Size::Large,
        today: Utc::now().date_naive(),
        rate_limit_per_sec: None,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let sink = MailSink::start().await;
    let org = store.create_organization("bench", "Bench").await.unwrap();
    let config = SyncConfig {
        ciq: CreatorIqConfig {
            requests_per_second: NonZeroU32::new(100_000).unwrap(),
            ..CreatorIqConfig::default()
        },
        environments: CiqEnvironments::default().with(&sandbox.base_url).unwrap(),
        public_base_url: Some("https://cover.example".into()),
        today: Some(Utc::now().date_naive()),
        alerts: AlertConfig {
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: sink.port(),
                username: None,
                password: None,
                from: "Cover <cover@cover.example>".into(),
                tls: SmtpTls::None,
            }),
            http_hosts: Vec::new(),
        },
        ..SyncConfig::default()
    };
    let engine = SyncEngine::new(store.clone(), MasterKey::generate(), config).unwrap();
    let key = ApiKey::parse(ciq_sandbox::PARTNER1_KEY).unwrap();
    engine
        .connect_creatoriq(org.id, &sandbox.base_url, &key)
        .await
        .unwrap();
    engine
        .sync_organization(org.id, Trigger::new(TriggerKind::Cli, "bench".to_string()))
        .await
        .unwrap();

    // 10,000 first messages over the Synced rows with an email address.
    let page = store
        .contractor_page(
            org.id,
            &ContractorPageRequest::in_status(ContractorStatus::Synced, None),
        )
        .await
        .unwrap();
    let mut targets = Vec::new();
    for row in &page.rows {
        if row
            .contractor
            .email
            .as_deref()
            .is_some_and(|e| !e.is_empty())
        {
            let link = store
                .current_link(org.id, row.contractor.id)
                .await
                .unwrap()
                .unwrap();
            targets.push((row.contractor.id, link.id));
        }
    }
    let start = Utc::now();
    let messages: Vec<NewMessage> = (0..MESSAGES)
        .map(|i| {
            let (row, link) = targets[i % targets.len()];
            // Distinct messages: a first message for each row, resends after that.
            if i < targets.len() {
                NewMessage::first(row, link, Channel::Email, start, None)
            } else {
                NewMessage::resend(
                    row,
                    link,
                    Channel::Email,
                    start + chrono::Duration::microseconds(i as i64),
                    "bench".into(),
                )
            }
        })
        .collect();
    let queued = store.queue_messages(org.id, &messages).await.unwrap();
    assert_eq!(queued.len(), MESSAGES);
    eprintln!(
        "  {name}: {MESSAGES} messages queued for {} rows",
        targets.len()
    );

    let idle = median(page_reads(store.as_ref(), org.id, 40).await);
    let rss_before = peak_rss_mb();
    let t = Instant::now();
    let sending = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.deliver_due().await.unwrap() })
    };
    // Reads while the worker sends.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let busy = median(page_reads(store.as_ref(), org.id, 40).await);
    while !sending.is_finished() {
        eprintln!("  {name}: {} of {MESSAGES} received", sink.count());
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let totals = sending.await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(totals.sent as usize, MESSAGES, "{totals:?}");
    assert_eq!(sink.count(), MESSAGES);
    let rate = MESSAGES as f64 / secs;
    println!(
        "{name}: {MESSAGES} messages in {secs:.1} s = {rate:.0}/s ({}); peak RSS {:.0} MB \
         ({:.0} MB before sending); contractors page p50 {idle:.2} ms idle, {busy:.2} ms while \
         sending ({:.1}x); {} rows with email",
        if rate >= TARGET_PER_SECOND {
            "met: >= 50/s"
        } else {
            "over: < 50/s"
        },
        peak_rss_mb(),
        rss_before,
        busy / idle,
        targets.len()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let (sqlite, postgres) = match (has("--sqlite"), has("--postgres")) {
        (false, false) => (true, true),
        pair => pair,
    };
    if sqlite {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("messages.db");
        let store = SqliteStore::open(path.to_str().expect("utf-8 path"))
            .await
            .unwrap();
        run("SQLite", Arc::new(store)).await;
    }
    if postgres {
        let db = TestDatabase::create().await;
        let store = PgStore::open(&db.url).await.unwrap();
        run("PostgreSQL", Arc::new(store)).await;
    }
}
