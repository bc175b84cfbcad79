//! Sync benchmark: a full sync of the sandbox's `demo`, `large` and `bench` datasets (300,
//! 10,000 and 100,000 creators) into a real SQLite file, then an unchanged re-run.
//!
//! `cargo bench -p domain --bench sync` (add `-- --quick` to skip `bench`). Reports, per size:
//! wall time, seconds per 1,000 rows (creators on campaigns), CreatorIQ requests against the budget (campaign pages +
//! 2 x campaigns), the re-run's time, and the process's peak memory. The machine is noisy, so
//! read the ratios between sizes measured in one run rather than the absolute times.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ciq_sandbox::{SandboxConfig, Size};
use domain::creatoriq::{ApiKey, CiqEnvironments, CreatorIqConfig};
use domain::crypto::MasterKey;
use domain::store::{SqliteStore, Store, Trigger, TriggerKind};
use domain::sync::{SyncConfig, SyncEngine};

struct Row {
    size: Size,
    creators: u64,
    campaigns: u64,
    first: Duration,
    rerun: Duration,
    requests: u64,
    budget: u64,
    peak_rss_mb: f64,
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

async fn run(size: Size) -> Row {
    let today = Utc::now().date_naive();
    let sandbox = ciq_sandbox::spawn(SandboxConfig {
        size,
        today,
        rate_limit_per_sec: None,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(
        SqliteStore::open(dir.path().join("bench.db").to_str().expect("utf-8 path"))
            .await
            .expect("store opens"),
    );
    let org = store
        .create_organization("bench", "Bench")
        .await
        .expect("org");
    let master = MasterKey::generate();
    let key = ApiKey::parse(ciq_sandbox::PARTNER1_KEY).expect("key");
    let config = SyncConfig {
        environments: CiqEnvironments::default()
            .with(&sandbox.base_url)
            .expect("loopback sandbox"),
        ciq: CreatorIqConfig {
            // The bench measures our side; CreatorIQ's 5 rps would dominate every figure.
            requests_per_second: NonZeroU32::new(100_000).expect("non-zero"),
            ..CreatorIqConfig::default()
        },
        today: Some(today),
        ..SyncConfig::default()
    };
    let engine = SyncEngine::new(store.clone() as Arc<dyn Store>, master, config).expect("engine");
    engine
        .connect_creatoriq(org.id, &sandbox.base_url, &key)
        .await
        .expect("connect to the sandbox");

    let trigger = || Trigger::new(TriggerKind::Cli, Some("bench".to_owned()));
    let started = Instant::now();
    let first = engine
        .sync_organization(org.id, trigger())
        .await
        .expect("first sync");
    let first_time = started.elapsed();
    let started = Instant::now();
    engine
        .sync_organization(org.id, trigger())
        .await
        .expect("second sync");
    let rerun = started.elapsed();

    let totals = first.totals();
    let campaigns = totals.progress.campaigns_total as u64;
    // Rows are creators on campaigns: the unit the sync maps, validates and stores.
    let creators = totals.statuses.total() as u64;
    // The client asks for 100 campaigns a page.
    let pages = campaigns.div_ceil(100).max(1);
    let row = Row {
        size,
        creators,
        campaigns,
        first: first_time,
        rerun,
        requests: totals.ciq_requests as u64,
        budget: pages + 2 * campaigns,
        peak_rss_mb: peak_rss_mb(),
    };
    sandbox.shutdown().await;
    row
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let mut sizes = vec![Size::Demo, Size::Large];
    if !quick {
        sizes.push(Size::Bench);
    }
    let mut rows = Vec::new();
    for size in sizes {
        eprintln!("syncing the {size} dataset…");
        rows.push(run(size).await);
    }
    let base = &rows[0];
    let base_per_k = base.first.as_secs_f64() / base.creators.max(1) as f64;
    println!(
        "{:<6} {:>9} {:>9} {:>10} {:>10} {:>12} {:>10} {:>14} {:>10}",
        "size",
        "rows",
        "campaigns",
        "first (s)",
        "s/1k rows",
        "vs demo/1k",
        "rerun (s)",
        "requests/budg",
        "peak MB"
    );
    for r in &rows {
        let per_k = r.first.as_secs_f64() / r.creators.max(1) as f64;
        println!(
            "{:<6} {:>9} {:>9} {:>10.2} {:>10.1} {:>12.2} {:>10.2} {:>8}/{:<5} {:>10.0}",
            r.size.to_string(),
            r.creators,
            r.campaigns,
            r.first.as_secs_f64(),
            per_k * 1000.0,
            per_k / base_per_k,
            r.rerun.as_secs_f64(),
            r.requests,
            r.budget,
            r.peak_rss_mb,
        );
    }
}
