//! Search isolation between organizations (`cargo bench -p domain --bench search`), SQLite: one
//! organization's contractors search is timed, then another organization gains 200,000 rows that
//! match the same searches, and the same searches are timed again. Target: no search of the
//! first organization gets more than 2x slower. Reports p50 per search, before and after, and
//! the ratio (measured in one run; the machine is noisy).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ciq_sandbox::{SandboxConfig, Size};
use domain::creatoriq::{ApiKey, CiqEnvironments, CreatorIqConfig};
use domain::crypto::MasterKey;
use domain::store::roles::*;
use domain::store::{
    ContractorFilter, ContractorPageRequest, ContractorSort, OrgId, SqliteStore, Trigger,
    TriggerKind,
};
use domain::sync::{SyncConfig, SyncEngine};
use sqlx::Row;

/// Rows the other organization gains.
const OTHER_ROWS: i64 = 200_000;
const SEARCHES: [&str; 4] = ["com", "example.com", "scenario", "zzz-no-match"];

async fn p50(store: &SqliteStore, org: OrgId, search: &str) -> (Duration, u64) {
    let request = ContractorPageRequest {
        filter: ContractorFilter {
            search: Some(search.to_string()),
            ..Default::default()
        },
        sort: ContractorSort::Name,
        descending: false,
        offset: 0,
        limit: Some(50),
    };
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..15 {
        let started = Instant::now();
        total = store.contractor_page(org, &request).await.unwrap().total;
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], total)
}

#[tokio::main]
async fn main() {
    let sandbox = ciq_sandbox::spawn(SandboxConfig {
        size: Size::Large,
        today: Utc::now().date_naive(),
        rate_limit_per_sec: None,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search.db");
    let store = Arc::new(SqliteStore::open(path.to_str().unwrap()).await.unwrap());
    let mine = store.create_organization("mine", "Mine").await.unwrap().id;
    let other = store
        .create_organization("other", "Other")
        .await
        .unwrap()
        .id;
    let engine = SyncEngine::new(
        store.clone(),
        MasterKey::generate(),
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
            mine,
            &sandbox.base_url,
            &ApiKey::parse(ciq_sandbox::PARTNER1_KEY).unwrap(),
        )
        .await
        .unwrap();
    engine
        .sync_organization(mine, Trigger::new(TriggerKind::Cli, None))
        .await
        .unwrap();

    let mut before = Vec::new();
    for search in SEARCHES {
        before.push(p50(&store, mine, search).await);
    }

    // The other organization: copies of this one's rows, on other campaign ids, until it holds
    // OTHER_ROWS rows matching the same searches.
    let columns: Vec<String> = sqlx::query("PRAGMA table_info(contractors)")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .filter(|c| c != "id")
        .collect();
    let mine_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contractors WHERE org_id = $1")
        .bind(mine.0)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let select: Vec<String> = columns
        .iter()
        .map(|c| match c.as_str() {
            "org_id" => "$1".to_string(),
            "ciq_campaign_id" => "ciq_campaign_id + $2".to_string(),
            other => other.to_string(),
        })
        .collect();
    let copy = format!(
        "INSERT INTO contractors ({}) SELECT {} FROM contractors WHERE org_id = $3 LIMIT $4",
        columns.join(", "),
        select.join(", ")
    );
    let started = Instant::now();
    let mut copied = 0;
    let mut round = 1;
    while copied < OTHER_ROWS {
        let n = (OTHER_ROWS - copied).min(mine_rows);
        sqlx::query(&copy)
            .bind(other.0)
            .bind(round * 10_000_000)
            .bind(mine.0)
            .bind(n)
            .execute(store.pool())
            .await
            .unwrap();
        copied += n;
        round += 1;
    }
    println!(
        "this organization: {mine_rows} rows; the other: {copied} rows added in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    println!("search            rows   p50 before   p50 after   after/before");
    let mut worst = 0.0f64;
    for (search, (b, rows)) in SEARCHES.iter().zip(before) {
        let (a, rows_after) = p50(&store, mine, search).await;
        assert_eq!(
            rows, rows_after,
            "the other organization's rows leaked into {search:?}"
        );
        let ratio = a.as_secs_f64() / b.as_secs_f64();
        worst = worst.max(ratio);
        println!(
            "{search:<16} {rows:>6} {:>9.2} ms {:>9.2} ms {ratio:>10.2}x",
            b.as_secs_f64() * 1e3,
            a.as_secs_f64() * 1e3
        );
    }
    println!(
        "target: at most 2x slower with the other organization's rows: {} (worst {worst:.2}x)",
        if worst <= 2.0 { "met" } else { "NOT met" }
    );
}
