//! Sync benchmark: a full sync of the sandbox's `demo`, `large` and `bench` datasets (300,
//! 10,000 and 100,000 creators), then an unchanged re-run, on each backend: a SQLite file and a
//! fresh PostgreSQL database on the local server (`TEST_POSTGRES_URL` overrides it).
//!
//! `cargo bench -p domain --bench sync` (add `-- --quick` to skip `bench`, `-- --bench-only`
//! for it alone, `-- --sqlite` or `-- --postgres` for one backend). Reports, per size and
//! backend: wall time, seconds per 1,000 rows, the re-run's time, CreatorIQ requests against the
//! budget (campaign pages + 2 x campaigns), bytes on disk per contractor row (tables and
//! indexes), and the process's peak memory. The sandbox's own share is measured apart, once per
//! size: the same requests fetched and decoded without writing anything; "ours" is the time
//! past it (first sync and re-run). The machine is noisy, so read ratios measured in one run
//! rather than absolute times. `BENCH_KEEP=1` keeps each database (and prints where) for reading
//! query plans afterwards, and `-- --views <path or URL>` measures the page views alone on one.

// The allocator the dashboard's server runs with, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use domain::testing::TestDatabase;
#[path = "support/mod.rs"]
mod support;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::peak_rss_mb;

use chrono::Utc;
use ciq_sandbox::{RunningSandbox, SandboxConfig, Size};
use domain::creatoriq::{ApiKey, CiqEnvironments, CreatorIqClient, CreatorIqConfig, SYNC_SECTIONS};
use domain::crypto::MasterKey;
use domain::store::{
    ContractorFilter, ContractorPageRequest, ContractorSort, ContractorStatus, OrgId, PgStore,
    SqliteStore, Store, Trigger, TriggerKind,
};
use domain::sync::{SyncConfig, SyncEngine};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

struct Row {
    size: Size,
    backend: Backend,
    creators: u64,
    campaigns: u64,
    first: Duration,
    rerun: Duration,
    requests: u64,
    budget: u64,
    bytes_per_row: f64,
    /// The largest tables and indexes: (name, bytes per contractor row).
    objects: Vec<(String, f64)>,
    peak_rss_mb: f64,
    /// p50 of contractors-list queries: (label, milliseconds).
    list: Vec<(&'static str, f64)>,
}

/// The median of `runs` timings of `f`, in milliseconds (after one warm-up call).
async fn p50<F, Fut, T>(runs: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    f().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// What a contractors page view asks the store: the page and the tab counts.
async fn page_view(
    store: &dyn Store,
    org: OrgId,
    filter: ContractorFilter,
    sort: ContractorSort,
    descending: bool,
    offset: u64,
) {
    let request = ContractorPageRequest {
        filter: filter.clone(),
        sort,
        descending,
        offset,
        limit: Some(50),
    };
    let page = store.contractor_page(org, &request).await.expect("page");
    assert!(page.rows.len() <= 50);
    store
        .contractor_filter_counts(org, &filter)
        .await
        .expect("counts");
}

/// p50 of the page views an operator makes, at the store's current size.
async fn list_figures(store: &dyn Store, org: OrgId, rows: u64) -> Vec<(&'static str, f64)> {
    let runs = 15;
    let all = ContractorFilter::default();
    let status = |s| ContractorFilter {
        status: Some(s),
        ..ContractorFilter::default()
    };
    let campaigns = store.contractor_campaigns(org).await.expect("campaigns");
    let campaign = campaigns
        .get(campaigns.len() / 2)
        .map(|c| c.ciq_campaign_id);
    let search = |term: &str| ContractorFilter {
        search: Some(term.to_string()),
        ..ContractorFilter::default()
    };
    let last = rows.saturating_sub(50);
    vec![
        (
            "first page, by name",
            p50(runs, || {
                page_view(store, org, all.clone(), ContractorSort::Name, false, 0)
            })
            .await,
        ),
        (
            "needs attention tab",
            p50(runs, || {
                page_view(
                    store,
                    org,
                    status(ContractorStatus::NeedsAttention),
                    ContractorSort::Name,
                    false,
                    0,
                )
            })
            .await,
        ),
        (
            "synced tab, by last synced",
            p50(runs, || {
                page_view(
                    store,
                    org,
                    status(ContractorStatus::Synced),
                    ContractorSort::LastSynced,
                    true,
                    0,
                )
            })
            .await,
        ),
        (
            "one campaign",
            p50(runs, || {
                page_view(
                    store,
                    org,
                    ContractorFilter {
                        campaign,
                        ..ContractorFilter::default()
                    },
                    ContractorSort::Status,
                    false,
                    0,
                )
            })
            .await,
        ),
        (
            "middle page, by campaign",
            p50(runs, || {
                page_view(
                    store,
                    org,
                    all.clone(),
                    ContractorSort::Campaign,
                    false,
                    rows / 2,
                )
            })
            .await,
        ),
        (
            "last page, by name",
            p50(runs, || {
                page_view(store, org, all.clone(), ContractorSort::Name, false, last)
            })
            .await,
        ),
        (
            "search a name",
            p50(runs, || {
                page_view(store, org, search("avery"), ContractorSort::Name, false, 0)
            })
            .await,
        ),
        (
            "search an email part",
            p50(runs, || {
                page_view(
                    store,
                    org,
                    search("@example"),
                    ContractorSort::Name,
                    false,
                    0,
                )
            })
            .await,
        ),
        (
            "search, no match",
            p50(runs, || {
                page_view(store, org, search("zzqx"), ContractorSort::Name, false, 0)
            })
            .await,
        ),
        (
            "one rule, needs attention",
            p50(runs, || {
                page_view(
                    store,
                    org,
                    ContractorFilter {
                        status: Some(ContractorStatus::NeedsAttention),
                        rule: Some("invalid_base_pay".to_string()),
                        ..ContractorFilter::default()
                    },
                    ContractorSort::Name,
                    false,
                    0,
                )
            })
            .await,
        ),
        (
            "overview: problems per rule and campaign",
            p50(runs, || async {
                store.problem_summary(org, 5).await.expect("problem counts");
            })
            .await,
        ),
    ]
}

fn fast_ciq() -> CreatorIqConfig {
    CreatorIqConfig {
        // The bench measures our side; CreatorIQ's 5 rps would dominate every figure.
        requests_per_second: NonZeroU32::new(100_000).expect("non-zero"),
        ..CreatorIqConfig::default()
    }
}

/// A store on `backend`, and what it takes to measure and remove it afterwards.
enum Opened {
    // The directory lives as long as the store.
    Sqlite(Arc<SqliteStore>, #[allow(dead_code)] tempfile::TempDir),
    Postgres(Arc<PgStore>, TestDatabase),
}

impl Opened {
    async fn open(backend: Backend) -> Opened {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("bench.db");
                let store = SqliteStore::open(path.to_str().expect("utf-8 path"))
                    .await
                    .expect("store opens");
                Opened::Sqlite(Arc::new(store), dir)
            }
            Backend::Postgres => {
                let db = TestDatabase::create().await;
                let store = PgStore::open(&db.url).await.expect("store opens");
                Opened::Postgres(Arc::new(store), db)
            }
        }
    }

    fn store(&self) -> Arc<dyn Store> {
        match self {
            Opened::Sqlite(s, _) => s.clone(),
            Opened::Postgres(s, _) => s.clone(),
        }
    }

    /// Bytes on disk of each table and index (PostgreSQL: with its TOAST), largest first.
    async fn objects(&self) -> Vec<(String, f64)> {
        let mut objects: Vec<(String, i64)> = match self {
            // dbstat is compiled into the bundled SQLite.
            Opened::Sqlite(s, _) => {
                sqlx::query_as("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
                    .fetch_all(s.pool())
                    .await
                    .expect("dbstat")
            }
            Opened::Postgres(s, _) => sqlx::query_as(
                "SELECT c.relname::text, pg_table_size(c.oid)::bigint FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')",
            )
            .fetch_all(s.pool())
            .await
            .expect("sizes"),
        };
        objects.sort_by_key(|(_, bytes)| -bytes);
        objects
            .into_iter()
            .map(|(name, bytes)| (name, bytes as f64))
            .collect()
    }

    /// Bytes on disk of every table and index.
    async fn bytes(&self) -> f64 {
        match self {
            Opened::Sqlite(s, _) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(s.pool())
                    .await
                    .expect("checkpoint");
                let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                    .fetch_one(s.pool())
                    .await
                    .expect("page count");
                let size: i64 = sqlx::query_scalar("PRAGMA page_size")
                    .fetch_one(s.pool())
                    .await
                    .expect("page size");
                (pages * size) as f64
            }
            Opened::Postgres(s, _) => {
                sqlx::query("VACUUM ANALYZE")
                    .execute(s.pool())
                    .await
                    .expect("vacuum");
                let bytes: i64 = sqlx::query_scalar(
                    "SELECT SUM(pg_total_relation_size(c.oid))::bigint FROM pg_class c \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = current_schema() AND c.relkind = 'r'",
                )
                .fetch_one(s.pool())
                .await
                .expect("sizes");
                bytes as f64
            }
        }
    }

    async fn close(self) {
        if std::env::var_os("BENCH_KEEP").is_some() {
            // For reading query plans afterwards: the database stays, and where it is is
            // printed.
            match self {
                Opened::Sqlite(_, dir) => eprintln!("  kept: {}", dir.keep().display()),
                Opened::Postgres(_, db) => {
                    eprintln!("  kept: {}", db.url);
                    std::mem::forget(db);
                }
            }
            return;
        }
        if let Opened::Postgres(store, db) = self {
            // Dropping the database handle drops the database.
            store.pool().close().await;
            drop(db);
        }
    }
}

async fn sandbox(size: Size) -> RunningSandbox {
    ciq_sandbox::spawn(SandboxConfig {
        size,
        today: Utc::now().date_naive(),
        rate_limit_per_sec: None,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// The sandbox's share: every request a full sync makes, fetched and decoded, nothing written.
async fn fetch_only(sandbox: &RunningSandbox) -> Duration {
    let client = CreatorIqClient::new(
        CreatorIqConfig {
            base_url: sandbox.base_url.clone(),
            ..fast_ciq()
        },
        ApiKey::parse(ciq_sandbox::PARTNER1_KEY).expect("key"),
    )
    .expect("client");
    let started = Instant::now();
    let campaigns = client.all_campaigns().await.expect("campaigns");
    for campaign in campaigns.iter().filter_map(|c| c.campaign_id) {
        client
            .campaign_publishers(campaign, &SYNC_SECTIONS)
            .await
            .expect("publishers");
        client
            .campaign_publishers_list(campaign)
            .await
            .expect("contacts");
    }
    started.elapsed()
}

async fn run(size: Size, backend: Backend, sandbox: &RunningSandbox) -> Row {
    let opened = Opened::open(backend).await;
    let store = opened.store();
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
        ciq: fast_ciq(),
        today: Some(Utc::now().date_naive()),
        ..SyncConfig::default()
    };
    let engine = SyncEngine::new(store.clone(), master, config).expect("engine");
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
    if first.state() != domain::store::RunState::Succeeded {
        eprintln!(
            "  the first sync into {} ended {}: {:?}",
            backend.name(),
            first.state().as_str(),
            first.totals().error
        );
    }
    // On stderr with the time, to line a system profile up with the re-run.
    eprintln!("  re-run starts at {}", Utc::now().format("%H:%M:%S%.3f"));
    let started = Instant::now();
    engine
        .sync_organization(org.id, trigger())
        .await
        .expect("second sync");
    eprintln!("  re-run ends at {}", Utc::now().format("%H:%M:%S%.3f"));
    let rerun = started.elapsed();
    let totals = first.totals();
    let campaigns = totals.progress.campaigns_total;
    let creators = totals.statuses.total();
    let bytes = opened.bytes().await;
    let objects = opened.objects().await;
    let list = list_figures(store.as_ref(), org.id, creators).await;
    let row = Row {
        size,
        backend,
        creators,
        campaigns,
        first: first_time,
        rerun,
        requests: totals.ciq_requests,
        // The client asks for 100 campaigns a page.
        budget: campaigns.div_ceil(100).max(1) + 2 * campaigns,
        bytes_per_row: bytes / creators.max(1) as f64,
        objects: objects
            .into_iter()
            .take(8)
            .map(|(name, b)| (name, b / creators.max(1) as f64))
            .collect(),
        peak_rss_mb: peak_rss_mb(),
        list,
    };
    drop(engine);
    drop(store);
    opened.close().await;
    row
}

/// A target line's end: "met" or "over".
fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "over"
    }
}

/// The targets at the `bench` size, one line each: "met" or "over".
const RERUN_TARGET_S: f64 = 2.0;
const VIEW_TARGET_MS: f64 = 3.0;

fn targets(rows: &[Row], fetches: &[(Size, Duration)]) {
    let bench: Vec<&Row> = rows.iter().filter(|r| r.size == Size::Bench).collect();
    if bench.is_empty() {
        return;
    }
    println!("\ntargets at {} rows:", bench[0].creators);
    for r in &bench {
        let fetch = fetches
            .iter()
            .find(|(s, _)| *s == r.size)
            .map_or(Duration::ZERO, |(_, d)| *d);
        let ours = r.rerun.saturating_sub(fetch).as_secs_f64();
        println!(
            "  {:<9} unchanged re-run, ours {:>6.2} s (target <= {RERUN_TARGET_S} s): {}",
            r.backend.name(),
            ours,
            verdict(ours <= RERUN_TARGET_S)
        );
        for (label, ms) in &r.list {
            println!(
                "  {:<9} {:<40} {:>6.2} ms (target <= {VIEW_TARGET_MS} ms p50): {}",
                r.backend.name(),
                label,
                ms,
                verdict(*ms <= VIEW_TARGET_MS)
            );
        }
    }
}

/// `--views <database>`: the page views alone, on a database an earlier run kept
/// (`BENCH_KEEP=1`), a SQLite file's path or a `postgres://` URL. Its migrations run first, so
/// a new index is measured without syncing again.
async fn views_only(database: &str) {
    let (store, backend): (Arc<dyn Store>, &str) = if database.starts_with("postgres") {
        let store = PgStore::open(database).await.expect("store opens");
        (Arc::new(store), "postgres")
    } else {
        let store = SqliteStore::open(database).await.expect("store opens");
        (Arc::new(store), "sqlite")
    };
    let org = store
        .organization_by_slug("bench")
        .await
        .expect("organizations")
        .expect("the benchmark's organization");
    let rows = store
        .contractor_status_counts(org.id)
        .await
        .expect("counts")
        .total();
    println!("{backend}, {rows} rows: page of 50 + tab counts, p50");
    for (label, ms) in list_figures(store.as_ref(), org.id, rows).await {
        println!(
            "  {label:<40} {ms:>6.2} ms (target <= {VIEW_TARGET_MS} ms p50): {}",
            verdict(ms <= VIEW_TARGET_MS)
        );
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    if let Some(at) = args.iter().position(|a| a == "--views") {
        let database = args
            .get(at + 1)
            .expect("--views needs a database path or URL");
        views_only(database).await;
        return;
    }
    let mut sizes = vec![Size::Demo, Size::Large];
    if !has("--quick") {
        sizes.push(Size::Bench);
    }
    if has("--bench-only") {
        sizes = vec![Size::Bench];
    }
    let backends: Vec<Backend> = match (has("--sqlite"), has("--postgres")) {
        (true, false) => vec![Backend::Sqlite],
        (false, true) => vec![Backend::Postgres],
        _ => vec![Backend::Sqlite, Backend::Postgres],
    };
    let mut rows = Vec::new();
    let mut fetches = Vec::new();
    for size in sizes {
        let sandbox = sandbox(size).await;
        eprintln!("fetching the {size} dataset without writing…");
        fetches.push((size, fetch_only(&sandbox).await));
        for &backend in &backends {
            eprintln!("syncing the {size} dataset into {}…", backend.name());
            rows.push(run(size, backend, &sandbox).await);
        }
        sandbox.shutdown().await;
    }
    println!(
        "{:<6} {:<9} {:>8} {:>9} {:>9} {:>9} {:>8} {:>9} {:>9} {:>8} {:>13} {:>9} {:>8}",
        "size",
        "backend",
        "rows",
        "campaigns",
        "first (s)",
        "sandbox",
        "ours (s)",
        "s/1k rows",
        "rerun (s)",
        "ours (s)",
        "requests/budg",
        "bytes/row",
        "peak MB"
    );
    for r in &rows {
        let fetch = fetches
            .iter()
            .find(|(s, _)| *s == r.size)
            .map_or(Duration::ZERO, |(_, d)| *d);
        let per_k = r.first.as_secs_f64() / r.creators.max(1) as f64 * 1000.0;
        println!(
            "{:<6} {:<9} {:>8} {:>9} {:>9.2} {:>9.2} {:>8.2} {:>9.2} {:>9.2} {:>8.2} {:>7}/{:<5} {:>9.0} {:>8.0}",
            r.size.to_string(),
            r.backend.name(),
            r.creators,
            r.campaigns,
            r.first.as_secs_f64(),
            fetch.as_secs_f64(),
            (r.first.saturating_sub(fetch)).as_secs_f64(),
            per_k,
            r.rerun.as_secs_f64(),
            (r.rerun.saturating_sub(fetch)).as_secs_f64(),
            r.requests,
            r.budget,
            r.bytes_per_row,
            r.peak_rss_mb,
        );
    }
    println!("\ncontractors page views (page of 50 + tab counts), p50 in ms:");
    let labels: Vec<&str> = rows
        .first()
        .map(|r| r.list.iter().map(|(l, _)| *l).collect())
        .unwrap_or_default();
    print!("{:<28}", "");
    for r in &rows {
        print!(" {:>16}", format!("{} {}", r.size, r.backend.name()));
    }
    println!();
    for (i, label) in labels.iter().enumerate() {
        print!("{label:<28}");
        for r in &rows {
            print!(" {:>16.2}", r.list[i].1);
        }
        println!();
    }
    targets(&rows, &fetches);
    println!("\nlargest tables and indexes, bytes per contractor row:");
    for r in &rows {
        let objects: Vec<String> = r
            .objects
            .iter()
            .map(|(name, b)| format!("{name} {b:.0}"))
            .collect();
        println!("{} {}: {}", r.size, r.backend.name(), objects.join(", "));
    }
}
