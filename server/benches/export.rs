//! Export memory, printed as a report (`cargo bench -p dashboard --bench export`): a real
//! server process (release build, SQLite file) holding the sandbox's 100,000-creator dataset
//! exports `/contractors.csv` (every row) and `/fix-list.csv`; the report gives the server's
//! resident memory when idle, its peak during each export (`VmHWM`, and the highest `VmRSS`
//! sampled every 10 ms), the rows and bytes sent, and the time. Target: the peak stays within
//! 50 MB of idle. `--quick` uses the 10,000-creator dataset.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ciq_sandbox::{SandboxConfig, Size};
use domain::auth::{create_organization_with_admin, Password};
use domain::creatoriq::{ApiKey, CiqEnvironments, CreatorIqConfig};
use domain::crypto::MasterKey;
use domain::store::roles::*;
use domain::store::{SqliteStore, Trigger, TriggerKind};
use domain::sync::{SyncConfig, SyncEngine};
use futures::StreamExt;

const ADMIN: (&str, &str) = ("ops@acme.example", "correct horse battery");

/// `VmRSS` or `VmHWM` of a process, in KB.
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let size = if quick { Size::Large } else { Size::Bench };
    let sandbox = ciq_sandbox::spawn(SandboxConfig {
        size,
        today: chrono::Utc::now().date_naive(),
        rate_limit_per_sec: None,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");

    // The dataset, synced into a SQLite file by the engine itself.
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("dashboard.db").display());
    let key_file = dir.path().join("master.key");
    let store = Arc::new(SqliteStore::open(&db).await.unwrap());
    let org = create_organization_with_admin(
        store.as_ref(),
        "acme",
        "Acme Agency",
        ADMIN.0,
        &Password::new(ADMIN.1),
    )
    .await
    .unwrap()
    .org_id;
    let master = MasterKey::load_or_create(&key_file).unwrap();
    let engine = SyncEngine::new(
        store.clone(),
        master,
        SyncConfig {
            environments: CiqEnvironments::default().with(&sandbox.base_url).unwrap(),
            ciq: CreatorIqConfig {
                requests_per_second: std::num::NonZeroU32::new(100_000).unwrap(),
                ..CreatorIqConfig::default()
            },
            ..SyncConfig::default()
        },
    )
    .unwrap();
    engine
        .connect_creatoriq(
            org,
            &sandbox.base_url,
            &ApiKey::parse(ciq_sandbox::PARTNER1_KEY).unwrap(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    engine
        .sync_organization(org, Trigger::new(TriggerKind::Cli, None))
        .await
        .unwrap();
    let rows = store.contractor_status_counts(org).await.unwrap();
    println!(
        "dataset: {} rows ({} need attention), synced in {:.1} s",
        rows.total(),
        rows.needs_attention,
        started.elapsed().as_secs_f64()
    );
    drop(engine);
    drop(store);

    // The server, a process of its own so its memory is its own.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_dashboard"))
            .arg("serve")
            .env("DATABASE_URL", &db)
            .env("MASTER_KEY_FILE", &key_file)
            .env("DASHBOARD_ADDR", addr.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the dashboard binary starts"),
    );
    let pid = server.0.id();
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    for _ in 0..400 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let signed_in = client
        .post(format!("{base}/api/login"))
        .header("accept", "application/json")
        .form(&[("email", ADMIN.0), ("password", ADMIN.1)])
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success(), "{}", signed_in.status());
    // A page view first, so idle is a server that has served.
    let _ = client.get(format!("{base}/contractors")).send().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = status_kb(pid, "VmRSS:");
    println!("server idle: {:.1} MB resident", mb(idle));

    let mut worst = 0.0f64;
    for path in ["/contractors.csv", "/fix-list.csv"] {
        let sampled = Arc::new(AtomicU64::new(0));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = {
            let (sampled, done) = (sampled.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    sampled.fetch_max(status_kb(pid, "VmRSS:"), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        let started = Instant::now();
        let resp = client.get(format!("{base}{path}")).send().await.unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        let (mut bytes, mut lines) = (0usize, 0usize);
        let mut body = resp.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.expect("the export arrives whole");
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        let took = started.elapsed();
        done.store(true, Ordering::Relaxed);
        sampler.join().unwrap();
        let peak = status_kb(pid, "VmHWM:");
        let over = mb(peak.saturating_sub(idle));
        worst = worst.max(over);
        println!(
            "{path}: {} lines, {:.1} MB in {:.2} s; peak resident {:.1} MB (VmHWM), sampled \
             {:.1} MB: {:.1} MB over idle",
            lines.saturating_sub(1),
            bytes as f64 / 1e6,
            took.as_secs_f64(),
            mb(peak),
            mb(sampled.load(Ordering::Relaxed)),
            over
        );
    }
    println!(
        "target: peak within 50 MB of idle: {} ({worst:.1} MB)",
        if worst <= 50.0 { "met" } else { "NOT met" }
    );
}
