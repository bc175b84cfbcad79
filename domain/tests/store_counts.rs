//! The counts the database keeps by trigger and the status copies the store writes agree with
//! the rows after any sequence of writes, on both backends; `recount` repairs what drifted.

mod store_support;

use chrono::NaiveDate;
use domain::rules::{RuleCode, RuleFailure, RuleWarning, WarningCode};
use domain::store::{
    CampaignRecord, CampaignSync, ContractorStatus, ContractorUpdate, OrgId, PgStore, SqliteStore,
    Store, SyncFailure, SyncRunId,
};
use domain::sync::write_path;
use domain::sync::writes::Removal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use store_support::TestStore;

const CAMPAIGNS: [i64; 3] = [501, 502, 503];
const RULES: [RuleCode; 3] = [
    RuleCode::MissingEmail,
    RuleCode::MissingPoContactEmail,
    RuleCode::InvalidBasePay,
];

async fn begin(store: &dyn Store, org: OrgId) -> SyncRunId {
    store_support::begin_run(store, org, "counts-test").await
}

fn record(campaign: i64) -> CampaignRecord {
    CampaignRecord {
        ciq_campaign_id: campaign,
        name: Some(format!("Campaign {campaign}")),
        description: None,
        start_date: Some("2030-06-01".into()),
        end_date: Some("2030-07-01".into()),
    }
}

/// A random row: any status, with random failing rules and warnings where they can occur.
fn random_row(rng: &mut StdRng, campaign: i64, publisher: i64) -> ContractorUpdate {
    let status = match rng.gen_range(0..10) {
        0..=4 => ContractorStatus::Synced,
        5..=7 => ContractorStatus::NeedsAttention,
        8 => ContractorStatus::Exempt,
        _ => ContractorStatus::NotAccepted,
    };
    let failures = if status == ContractorStatus::NeedsAttention {
        let mut codes: Vec<RuleCode> = RULES.iter().copied().filter(|_| rng.gen()).collect();
        if codes.is_empty() {
            codes.push(RULES[rng.gen_range(0..RULES.len())]);
        }
        codes
            .into_iter()
            .map(|code| RuleFailure {
                code,
                field: "a field".into(),
                message: format!("{code} fails"),
                hint: "fix it".into(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let warnings = if matches!(
        status,
        ContractorStatus::Synced | ContractorStatus::NeedsAttention
    ) && rng.gen_bool(0.3)
    {
        vec![RuleWarning {
            code: WarningCode::MissingPoNumber,
            field: "CustomField3 (PO #)".into(),
            message: "PO # is blank".into(),
            hint: "enter it".into(),
        }]
    } else {
        Vec::new()
    };
    ContractorUpdate {
        creator_name: Some(format!("Creator {publisher}")),
        email: Some(format!("c{publisher}@example.com")),
        status,
        work_state: Some(["MA", "TX", "CA"][rng.gen_range(0..3)].to_string()),
        base_pay_cents: Some(rng.gen_range(1..5) * 100_000),
        coverage_start: NaiveDate::from_ymd_opt(2030, 6, 1),
        coverage_end: NaiveDate::from_ymd_opt(2030, 7, 1),
        fingerprint: (status == ContractorStatus::Synced)
            .then(|| format!("v1|{}", rng.gen_range(0..3))),
        failures,
        warnings,
        ..ContractorUpdate::unreadable(campaign, publisher)
    }
}

fn failure(what: &str) -> SyncFailure {
    SyncFailure {
        code: "http_503".into(),
        message: format!("CreatorIQ answered 503 ({what})"),
    }
}

/// One random write of the kinds a sync and an operator make.
async fn random_write(rng: &mut StdRng, store: &dyn Store, org: OrgId, run: SyncRunId) {
    let campaign = CAMPAIGNS[rng.gen_range(0..CAMPAIGNS.len())];
    match rng.gen_range(0..10) {
        // A campaign's sync: a random subset of 12 creators, some unreadable.
        0..=5 => {
            let mut rows = Vec::new();
            let mut unreadable = Vec::new();
            for publisher in 1..=12 {
                match rng.gen_range(0..10) {
                    0..=6 => rows.push(random_row(rng, campaign, publisher)),
                    7 => unreadable.push((publisher, failure("one entry"))),
                    _ => {}
                }
            }
            let sync = CampaignSync {
                campaign: record(campaign),
                rows,
                unreadable,
                removed: Vec::new(),
                complete: rng.gen_bool(0.8),
            };
            write_path::apply_campaign_sync(
                store,
                org,
                run,
                &sync,
                write_path::MailRelay::default(),
            )
            .await
            .unwrap();
        }
        // A single row's re-sync, or its removal.
        6 => {
            let publisher = rng.gen_range(1..=12);
            let (rows, removed) = if rng.gen() {
                (vec![random_row(rng, campaign, publisher)], Vec::new())
            } else {
                (Vec::new(), vec![publisher])
            };
            let sync = CampaignSync {
                campaign: record(campaign),
                rows,
                unreadable: Vec::new(),
                removed,
                complete: false,
            };
            write_path::apply_campaign_sync(
                store,
                org,
                run,
                &sync,
                write_path::MailRelay::default(),
            )
            .await
            .unwrap();
        }
        // The campaign could not be read.
        7 => {
            write_path::record_campaign_failure(
                store,
                org,
                run,
                &record(campaign),
                &failure("campaign"),
            )
            .await
            .unwrap();
        }
        // Campaigns gone from CreatorIQ.
        8 => {
            let present: Vec<i64> = CAMPAIGNS.iter().copied().filter(|_| rng.gen()).collect();
            write_path::remove_campaigns(store, org, run, Removal::AllBut(&present))
                .await
                .unwrap();
        }
        // One row's re-read failed, or an operator regenerated its link.
        _ => {
            let rows = store.contractor_status_counts(org).await.unwrap().total();
            if rows == 0 {
                return;
            }
            let publisher = rng.gen_range(1..=12);
            let Some(row) = store
                .contractor_by_ciq_ids(org, campaign, publisher)
                .await
                .unwrap()
            else {
                return;
            };
            if rng.gen() {
                write_path::record_row_failure(store, org, run, row.id, &failure("one row"))
                    .await
                    .unwrap();
            } else {
                // Refused unless the row is synced with a link: either way nothing drifts.
                let _ = write_path::regenerate_link(
                    store,
                    org,
                    row.id,
                    write_path::MailRelay::default(),
                )
                .await;
            }
        }
    }
}

async fn kept_counts_equal_the_rows_after_random_writes(db: TestStore) {
    let store = db.store.clone();
    let orgs = [
        store.create_organization("acme", "Acme").await.unwrap().id,
        store
            .create_organization("other", "Other")
            .await
            .unwrap()
            .id,
    ];
    let runs = [
        begin(store.as_ref(), orgs[0]).await,
        begin(store.as_ref(), orgs[1]).await,
    ];
    for seed in 0..4u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        for step in 0..40 {
            let which = rng.gen_range(0..2);
            random_write(&mut rng, store.as_ref(), orgs[which], runs[which]).await;
            for org in orgs {
                let drift = store.count_drift(org).await.unwrap();
                assert!(
                    drift.is_empty(),
                    "seed {seed}, step {step}: kept counts differ from the rows: {drift:?}"
                );
            }
        }
    }
    let rows = store.contractor_status_counts(orgs[0]).await.unwrap();
    assert!(rows.total() > 0, "the writes left rows to count");
}

on_both_backends!(kept_counts_equal_the_rows_after_random_writes);

/// A database whose kept counts were damaged by hand: `recount` names each difference and
/// repairs it, and leaves other organizations alone.
async fn recount_repairs(store: &dyn Store, damage: impl AsyncFnOnce(OrgId)) {
    let org = store.create_organization("acme", "Acme").await.unwrap().id;
    let other = store
        .create_organization("other", "Other")
        .await
        .unwrap()
        .id;
    let mut rng = StdRng::seed_from_u64(7);
    for (org, run) in [
        (org, begin(store, org).await),
        (other, begin(store, other).await),
    ] {
        let sync = CampaignSync {
            campaign: record(501),
            rows: (1..=12).map(|p| random_row(&mut rng, 501, p)).collect(),
            unreadable: Vec::new(),
            removed: Vec::new(),
            complete: true,
        };
        write_path::apply_campaign_sync(store, org, run, &sync, write_path::MailRelay::default())
            .await
            .unwrap();
    }
    assert!(store.count_drift(org).await.unwrap().is_empty());

    damage(org).await;
    let found = store.count_drift(org).await.unwrap();
    let kept: std::collections::BTreeSet<&str> = found.iter().map(|d| d.kept).collect();
    assert_eq!(
        kept,
        [
            "contractor_org_counts",
            "contractor_problem_counts",
            // Follows the damaged counts per campaign (a trigger), and damaged by hand.
            "contractor_problem_totals",
            "contractor_problem_totals.campaigns",
            "contractor_seen.status"
        ]
        .into_iter()
        .collect(),
        "{found:?}"
    );
    assert_eq!(
        store.recount(org).await.unwrap(),
        found,
        "recount reports what it found"
    );
    assert!(store.count_drift(org).await.unwrap().is_empty());
    assert!(store.count_drift(other).await.unwrap().is_empty());
    assert!(
        store.recount(org).await.unwrap().is_empty(),
        "nothing left to repair"
    );
}

const DAMAGE: [&str; 4] = [
    "UPDATE contractor_org_counts SET n = n + 5 WHERE org_id = $1",
    "UPDATE contractor_problem_counts SET n = n + 1 WHERE org_id = $1",
    "UPDATE contractor_problem_totals SET campaigns = campaigns + 2 WHERE org_id = $1",
    "UPDATE contractor_seen SET status = 'removed' WHERE org_id = $1 AND status <> 'removed'",
];

#[tokio::test]
async fn recount_repairs_damaged_counts_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("store.db").to_str().unwrap())
        .await
        .unwrap();
    let pool = store.pool().clone();
    recount_repairs(&store, async |org| {
        for sql in DAMAGE {
            sqlx::query(sql).bind(org.0).execute(&pool).await.unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn recount_repairs_damaged_counts_on_postgres() {
    let (db, url) = store_support::postgres_with_url().await;
    let raw = PgStore::open(&url).await.unwrap();
    recount_repairs(db.store.as_ref(), async |org| {
        for sql in DAMAGE {
            sqlx::query(sql)
                .bind(org.0)
                .execute(raw.pool())
                .await
                .unwrap();
        }
    })
    .await;
}

/// An installation at migration 0019, whose problem rows the old triggers derived from the
/// rows' JSON, upgrades: its problem rows and counts are intact, and the store keeps them from
/// then on.
#[tokio::test]
async fn an_existing_sqlite_installation_upgrades_with_its_problems_and_counts_intact() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("migrations-0019");
    std::fs::create_dir(&old).unwrap();
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
    for entry in std::fs::read_dir(&all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0020" {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    let file = dir.path().join("store.db");
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true)
            .foreign_keys(true),
    )
    .await
    .unwrap();
    sqlx::migrate::Migrator::new(old.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    sqlx::query(
        "INSERT INTO organizations (id, slug, name, created_at) VALUES (1, 'acme', 'Acme', $1)",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    let failure =
        |code: &str| format!(r#"{{"code":"{code}","field":"a field","message":"m","hint":"h"}}"#);
    let rows = [
        (
            1,
            "needs_attention",
            format!("[{}]", failure("missing_email")),
            "[]".to_string(),
        ),
        (
            2,
            "needs_attention",
            format!(
                "[{},{}]",
                failure("missing_email"),
                failure("missing_po_contact_email")
            ),
            "[]".to_string(),
        ),
        (
            3,
            "synced",
            "[]".to_string(),
            format!("[{}]", failure("missing_po_number")),
        ),
    ];
    for (publisher, status, failures, warnings) in &rows {
        sqlx::query(
            "INSERT INTO contractors (org_id, ciq_campaign_id, ciq_publisher_id, status, \
             creator_name, email, search_text, sort_name, content_hash, failures, warnings, \
             first_seen_at, updated_at) \
             VALUES (1, 77, $1, $2, 'C', 'c@example.com', 'c c@example.com', 'c', 'h', $3, $4, $5, $5)",
        )
        .bind(publisher)
        .bind(status)
        .bind(failures)
        .bind(warnings)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO contractor_seen (contractor_id, org_id, status, last_synced_at) \
         SELECT id, org_id, status, updated_at FROM contractors",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let opened = SqliteStore::open(file.to_str().unwrap()).await.unwrap();
    let store: &dyn Store = &opened;
    let org = OrgId(1);
    assert!(store.count_drift(org).await.unwrap().is_empty());
    let problems: Vec<(String, u64)> = store
        .problem_summary(org, 5)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.code, p.rows))
        .collect();
    assert_eq!(
        problems,
        [
            ("missing_email".to_string(), 2),
            ("missing_po_contact_email".to_string(), 1),
        ]
    );

    // From now on the store writes them: creator 2 is fixed in CreatorIQ, creator 1 is gone.
    let run = begin(store, org).await;
    let mut fixed = random_row(&mut StdRng::seed_from_u64(1), 77, 2);
    fixed.status = ContractorStatus::Synced;
    fixed.failures.clear();
    fixed.fingerprint = Some("v1".into());
    let sync = CampaignSync {
        campaign: record(77),
        rows: vec![fixed],
        unreadable: Vec::new(),
        removed: vec![1],
        complete: false,
    };
    write_path::apply_campaign_sync(store, org, run, &sync, write_path::MailRelay::default())
        .await
        .unwrap();
    assert!(store.count_drift(org).await.unwrap().is_empty());
    assert!(store.problem_summary(org, 5).await.unwrap().is_empty());
}
